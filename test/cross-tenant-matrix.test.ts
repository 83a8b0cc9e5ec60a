import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import {
  crossOwnerAttempts,
  expectOwnerKeepsAll,
  INTRUDERS,
  makeOwnerResources,
  matrixTurns,
  tenantPrincipalHook,
} from './helpers/cross-tenant-matrix.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';

/*
 * Issue 46's cross-tenant matrix on one instance: 2 tenants x 2 users, every surface (native
 * SSE, useChat, AG-UI, A2A, MCP, threads, runs, approvals, stream resume). The same matrix
 * across two instances on Redis is test/redis/cross-tenant-matrix.test.ts.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('principals of two tenants', () => {
  it('reach nothing of another principal on any surface, the same tenant included', async () => {
    const { gateway, calls } = await startGuardedToolAgent(
      cleanup,
      matrixTurns(),
      { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
      {
        spec: {
          server: {
            auth: { authenticate: tenantPrincipalHook },
            database: createMemoryThreadStore(),
            a2a: true,
            mcp: true,
          },
        },
      },
    );
    const owned = await makeOwnerResources(cleanup, gateway.baseUrl);
    const leaks: string[] = [];
    for (const intruder of INTRUDERS)
      leaks.push(...(await crossOwnerAttempts(gateway.baseUrl, intruder, owned)));
    expect(leaks).toEqual([]);
    expect(calls).toEqual([]);
    await expectOwnerKeepsAll(gateway.baseUrl, owned);
    expect(calls).toEqual(['/tmp/matrix']);
  });
});
