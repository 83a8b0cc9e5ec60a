import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { Principal } from '../src/core/principal.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { startLocalJwksIssuer } from './helpers/local-jwks-issuer.js';
import { sendAs } from './helpers/send-as.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * What a schedule acts as is the newest principal its owner showed, and only while the token
 * that carried it lasts: an older session cannot write its wider rights back, and rights whose
 * token expired are not handed to `server.authorize` at a fire.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

/** `Bearer sc:<subject>:<tenant>:<scope,scope>`: a principal of that tenant with those scopes. */
const scopedHook = (request: Request): Principal | null => {
  const match = /^Bearer sc:([a-z]+):([a-z]+):([a-z:,]*)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  return { subject: match[1] ?? '', tenant: match[2] ?? '', scopes: (match[3] ?? '').split(','), claims: {} };
};

const storedPrincipalOf = async (url: string): Promise<{ scopes?: string[] } | undefined> => {
  const client = cleanup.add(new pg.Client({ connectionString: url }), (opened) => opened.end());
  await client.connect();
  const found = await client.query<{ principal: { scopes?: string[] } }>('SELECT principal FROM schedules');
  return found.rows[0]?.principal;
};

describe.skipIf(unavailable !== undefined)("a schedule's stored principal", () => {
  it('is not replaced by the principal of a session opened before a scope downgrade', async () => {
    const url = await createDatabase();
    const { gateway } = await startMockAgent(cleanup, {
      agent: { server: { auth: { authenticate: scopedHook }, database: { postgres: url } } },
    });
    // A session opened while ada could still administer payments.
    const opened = await jsonOf(
      await sendAs(gateway, 'POST', '/chat/init', 'sc:ada:acme:payments:admin', {}),
    );
    const oldToken = String(opened['session_token']);
    // Her rights are cut to reports; she creates a schedule with the new token.
    const created = await sendAs(gateway, 'POST', '/schedules', 'sc:ada:acme:reports', {
      cron: '0 9 * * *',
      message: 'Report',
      enabled: false,
    });
    expect(created.status).toBe(201);
    expect((await storedPrincipalOf(url))?.scopes).toEqual(['reports']);
    // The old session still lives; its calls must not write the old scopes back.
    expect((await sendAs(gateway, 'GET', '/schedules', oldToken)).status).toBe(200);
    expect((await storedPrincipalOf(url))?.scopes).toEqual(['reports']);
    // A newer principal still replaces it.
    expect((await sendAs(gateway, 'GET', '/schedules', 'sc:ada:acme:reports,billing')).status).toBe(200);
    expect((await storedPrincipalOf(url))?.scopes).toEqual(['reports', 'billing']);
  });

  it('loses its rights when the token that carried them expired: later fires are asked with none', async () => {
    const issuer = cleanup.add(await startLocalJwksIssuer(), (server) => server.close());
    const asked: Array<{ at: number; scopes: string[] }> = [];
    const { gateway } = await startMockAgent(cleanup, {
      turns: Array.from({ length: 30 }, (_, index) => textTurn(`Tick ${index}.`)),
      agent: {
        server: {
          auth: { apiKeys: false, jwt: { issuer: issuer.issuer, audience: 'api://gateway' } },
          authorize: (request: AuthorizeRequest) => {
            if (request.action === 'run.start' && request.resource.id === undefined) {
              asked.push({ at: Date.now() / 1000, scopes: request.principal.scopes });
            }
            return true;
          },
          database: { postgres: await createDatabase() },
          schedules: { pollIntervalMs: 100, minIntervalMs: 1_000 },
        },
      },
    });
    const expiresAt = Math.floor(Date.now() / 1000) + 3;
    const token = await issuer.sign(
      { iss: issuer.issuer, sub: 'ada', aud: 'api://gateway', scope: 'payments:admin' },
      { expiresIn: expiresAt },
    );
    const created = await sendAs(gateway, 'POST', '/schedules', token, {
      cron: '* * * * * *',
      message: 'Tick',
      new_thread_each_time: true,
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const afterExpiry = await waitFor(
      () => {
        const late = asked.filter((each) => each.at > expiresAt + 1);
        return late.length >= 2 ? late : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(asked.some((each) => each.at < expiresAt && each.scopes.includes('payments:admin'))).toBe(true);
    for (const each of afterExpiry) expect(each.scopes).toEqual([]);
  });
});
