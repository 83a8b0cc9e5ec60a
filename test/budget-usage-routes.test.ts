import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { Principal } from '../src/core/principal.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient } from './helpers/gateway-client.js';
import { scriptedRuntime } from './helpers/scripted-runtime.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

/** `Bearer <tenant>.<subject>.<scope>`: that member of that tenant, with that one scope. */
const member = (request: Request): Principal | null => {
  const match = /^Bearer ([a-z]+)\.([a-z]+)\.([a-z]*)$/.exec(request.headers.get('authorization') ?? '');
  return match === null
    ? null
    : { tenant: match[1] ?? '', subject: match[2] ?? '', scopes: [match[3] ?? ''], claims: {} };
};

/** The docs' rule: admins write limits, finance reads a tenant's usage, everyone does the rest. */
const authorize = ({ principal, action }: AuthorizeRequest): boolean => {
  if (action === 'budget.write') return principal.scopes.includes('admin');
  if (action === 'usage.read') return principal.scopes.includes('finance');
  return true;
};

describe.skipIf(unavailable !== undefined)('GET /usage and PUT /budgets/:scope/:id', () => {
  it('sets a limit for a principal granted budget.write, shows it in the usage of its scope, and keeps tenant usage to usage.read', async () => {
    const app = createGatewayApp({
      buildChatRuntime: scriptedRuntime(createScriptedProvider({ turns: [] })),
      server: {
        auth: { authenticate: member },
        authorize,
        database: { postgres: await createDatabase() },
        budgetFor: () => undefined,
      },
    });
    const { baseUrl } = cleanup.add(await startGatewayClient(app), (client) => client.close());
    const limit = { window: 'month', limit_usd: 20 };

    const refused = await bearerRequest(baseUrl, 'PUT', '/budgets/subject/ada', 'acme.bob.none', limit);
    expect(refused.status).toBe(403);
    const set = await bearerRequest(baseUrl, 'PUT', '/budgets/subject/ada', 'acme.root.admin', limit);
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ scope: 'subject:ada', window: 'month', limit_usd: 20 });
    const invalid = await bearerRequest(baseUrl, 'PUT', '/budgets/planet/x', 'acme.root.admin', limit);
    expect(invalid.status).toBe(400);

    const own = await bearerRequest(baseUrl, 'GET', '/usage?group_by=model', 'acme.ada.none');
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({
      scope: 'subject:ada',
      spent_usd: 0,
      calls: 0,
      groups: [],
      budgets: [{ scope: 'subject:ada', window: 'month', limit_usd: 20 }],
    });

    const tenantRefused = await bearerRequest(baseUrl, 'GET', '/usage?scope=tenant', 'acme.ada.none');
    expect(tenantRefused.status).toBe(403);
    const tenant = await bearerRequest(
      baseUrl,
      'GET',
      '/usage?scope=tenant&group_by=subject',
      'acme.fin.finance',
    );
    expect(tenant.status).toBe(200);
    expect(await tenant.json()).toMatchObject({ scope: 'tenant:acme', spent_usd: 0, group_by: 'subject' });
  });
});
