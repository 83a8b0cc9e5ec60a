import { afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { Principal } from '../src/core/principal.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createGatedTool } from './helpers/gated-tool.js';
import { jsonOf } from './helpers/gateway-client.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { createSseReader } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * A run queued with `multitask: 'enqueue'` acts as the principal of the session that queued it:
 * `server.authorize` is asked `run.start` again, with that principal, when its turn comes, and a
 * refusal then starts nothing (with a database its run record ends `failed`, `forbidden`).
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

/** `Bearer sc:<subject>:<tenant>`: a principal of that tenant with the `runs` scope. */
const scopedHook = (request: Request): Principal | null => {
  const match = /^Bearer sc:([a-z]+):([a-z]+)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  return { subject: match[1] ?? '', tenant: match[2] ?? '', scopes: ['runs'], claims: {} };
};

type Mode = 'memory' | 'database';
const modes: Mode[] = unavailable === undefined ? ['memory', 'database'] : ['memory'];

describe.each(modes)('a queued run acts as its principal (%s)', (mode) => {
  it('asks server.authorize run.start with its principal when its turn comes, and starts nothing when refused', async () => {
    const gate = createGatedTool();
    const asked: AuthorizeRequest[] = [];
    const suspendedTenants = new Set<string>();
    const agent = await startMockAgent(cleanup, {
      turns: [toolCallTurn('wait_here', {}, { id: 'call_busy' }), textTurn('Busy done.'), textTurn('Late.')],
      agent: {
        tools: [gate.tool],
        server: {
          auth: { authenticate: scopedHook },
          authorize: (request) => {
            asked.push(request);
            const tenant = request.principal.tenant;
            return !(request.action === 'run.start' && tenant !== undefined && suspendedTenants.has(tenant));
          },
          ...(mode === 'database' ? { database: { postgres: await createDatabase() } } : {}),
        },
      },
    });
    const token = 'sc:ada:acme';
    const busy = await agent.gateway.chat(token, 'work for a while');
    expect(busy.status).toBe(200);
    const reader = createSseReader(busy);
    await waitFor(() => (gate.calls > 0 ? true : undefined), { description: 'the session is busy' });
    const queued = await agent.gateway.post('/runs', { message: 'later', multitask: 'enqueue' }, { token });
    expect(queued.status).toBe(202);
    const runId = String((await jsonOf(queued))['run_id']);
    const askedBefore = asked.length;
    suspendedTenants.add('acme');
    gate.open();
    await reader.until((frame) => frame.event.type === 'stream_complete');
    const askedAtStart = await waitFor(() => {
      const found = asked.slice(askedBefore).find((request) => request.action === 'run.start');
      return found;
    });
    expect(askedAtStart.principal).toEqual({ subject: 'ada', tenant: 'acme', scopes: ['runs'], claims: {} });
    if (mode === 'database') {
      const ended = await waitFor(async () => {
        const record = await jsonOf(await agent.gateway.get(`/runs/${runId}`, { token }));
        return record['status'] === 'failed' ? record : undefined;
      });
      expect(ended['outcome_code']).toBe('forbidden');
    }
    // Only the busy run's two turns reached the model.
    expect(agent.upstream.requests).toHaveLength(2);
  });
});
