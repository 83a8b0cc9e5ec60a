import { spawnSync } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import {
  CLUSTER_FOLDER,
  createEmbeddedPostgresEngine,
} from '../src/database/sql/embedded-postgres/embedded-postgres-engine.js';
import { findPostgresBinaries } from '../src/database/sql/embedded-postgres/postgres-binaries.js';
import { resolveServerAccount } from '../src/database/sql/embedded-postgres/server-account.js';
import {
  keepSessionSecret,
  readKeptSessionSecret,
  SESSION_SECRET_FILE,
} from '../src/server/sessions/session-secret.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';

const unavailable = await embeddedPostgresUnavailableReason();
const account = unavailable === undefined ? await resolveServerAccount() : undefined;

let root: string;
beforeAll(async () => {
  root = await reachableTempFolder('agent-gateway-secret-owner-');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.skipIf(account === undefined)('the session secret beside an embedded PostgreSQL run as root', () => {
  it("cannot be replaced by the database server's OS user", async () => {
    const lookup = await findPostgresBinaries();
    if (!lookup.found || account === undefined) throw new Error('no embedded PostgreSQL');
    const dir = join(root, 'data');
    const secret = keepSessionSecret(dir, 'a'.repeat(64));
    const engine = await createEmbeddedPostgresEngine(dir, {
      binaries: lookup.binaries,
      account,
      logger: silentLogger,
      templateCacheDir: join(root, 'cache'),
    });
    await engine.close();
    const attack = spawnSync(
      '/bin/sh',
      [
        '-c',
        `rm -f "$0/${SESSION_SECRET_FILE}" && printf '%s\\n' "$1" > "$0/${SESSION_SECRET_FILE}"`,
        dir,
        'b'.repeat(64),
      ],
      { uid: account.uid, gid: account.gid, encoding: 'utf8' },
    );
    expect(attack.status).not.toBe(0);
    expect(readKeptSessionSecret(dir)).toBe(secret);
    // The server's account owns its cluster only; the folder that keeps the secret stays the gateway's.
    expect((await stat(join(dir, CLUSTER_FOLDER))).uid).toBe(account.uid);
    expect((await stat(dir)).uid).toBe(process.getuid?.());
  }, 180_000);
});
