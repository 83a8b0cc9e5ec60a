import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINER_SECRETS, threadMessages } from './helpers/deploy-image.js';
import {
  POSTGRES_BIN,
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { spawnServe, type ServeProcess } from './helpers/spawn-serve.js';
import { repositoryRoot } from './helpers/template-project.js';

const run = promisify(execFile);
const skipReason = postgresUnavailableReason();
const runbook = join(repositoryRoot, 'deploy', 'runbooks', 'backup.sh');
const agentFile = join(repositoryRoot, 'examples', '15-deploy', 'agent.ts');

/** Runs the runbook script with the server's binaries; rejects with its error output. */
const backup = (...args: string[]): Promise<unknown> =>
  run('sh', [runbook, ...args], { env: { ...process.env, PG_BIN: POSTGRES_BIN }, timeout: 60_000 });

describe.skipIf(skipReason !== undefined)('the backup runbook (deploy/runbooks/backup.sh)', () => {
  let postgres: PostgresServer;
  let folder: string;
  const gateways: ServeProcess[] = [];

  /** The deploy example served on `databaseUrl`, with the secrets every instance shares. */
  const serveOn = async (databaseUrl: string): Promise<ServeProcess> => {
    const gateway = await spawnServe(folder, agentFile, [], 120_000, {
      environment: { ...CONTAINER_SECRETS, DATABASE_URL: databaseUrl },
    });
    gateways.push(gateway);
    return gateway;
  };

  beforeAll(async () => {
    postgres = await startPostgresServer();
    folder = await mkdtemp(join(tmpdir(), 'agent-gateway-backup-'));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.kill()));
    await postgres.destroy();
    await rm(folder, { recursive: true, force: true });
  });

  it('dumps a thread, restores it into a new database, and the API reads it back from there', async () => {
    const source = await postgres.createDatabase();
    const restored = await postgres.createDatabase();
    const writer = await serveOn(source);
    const { token } = await writer.client.openSession(CONTAINER_SECRETS.API_KEYS);
    const chat = await writer.client.chat(token, {
      thread_id: 'backed-up-thread',
      messages: [{ role: 'user', content: 'Keep this safe.' }],
    });
    expect(await chat.text()).toContain('"type":"stream_complete"');
    expect(await writer.stop()).toBe(0);

    const dump = join(folder, 'agent-gateway.dump');
    await backup('dump', source, dump);
    await backup('restore', dump, restored);

    const reader = await serveOn(restored);
    const messages = await threadMessages(
      reader.client.baseUrl.replace(/\/api$/, ''),
      token,
      'backed-up-thread',
    );
    expect(messages[0]).toBe('user: "Keep this safe."');
    expect(messages).toHaveLength(2);
  });

  it('refuses a restore into a database that already holds the schema', async () => {
    const source = await postgres.createDatabase();
    const writer = await serveOn(source);
    expect(await writer.stop()).toBe(0);
    const dump = join(folder, 'twice.dump');
    await backup('dump', source, dump);
    await expect(backup('restore', dump, source)).rejects.toThrow(/already exists/);
  });

  it('answers a wrong command line with its usage and exit code 2', async () => {
    await expect(backup('copy', 'a', 'b')).rejects.toMatchObject({ code: 2 });
  });
});
