import { afterEach, describe, expect, it } from 'vitest';
import { startAgentHeartbeat, type AgentHeartbeat } from '../src/cli/serve-heartbeat.js';
import { silentLogger } from '../src/core/logger.js';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

describe.skipIf(unavailable !== undefined)(
  "createAgent's heartbeat on three instances sharing PostgreSQL",
  () => {
    it('runs the agent once per interval across the instances, continuing one thread', async () => {
      const url = await createDatabase();
      // One model for the three instances: every tick of the cluster is one request to it.
      const provider = createScriptedProvider({
        turns: Array.from({ length: 200 }, () => textTurn('HEARTBEAT_OK')),
      });
      const notices: string[] = [];
      const heartbeats = ['a', 'b', 'c'].map((): AgentHeartbeat => {
        // What `agent-gateway serve agent.ts` does in each instance, given DATABASE_URL.
        const app = createAgent({
          systemPrompt: 'You watch the services. Answer HEARTBEAT_OK when nothing changed.',
          provider,
          model: 'scripted-model',
          logger: silentLogger,
          heartbeat: { intervalMs: 50, thread: 'ops-beat', message: 'Check the services.' },
          server: { database: { postgres: url } },
        });
        cleanup.add(app, (made) => made.close());
        const heartbeat = startAgentHeartbeat(app.agentDefinition, {
          logger: silentLogger,
          notice: (line) => void notices.push(line),
        });
        if (heartbeat === undefined) throw new Error('the agent has a heartbeat');
        cleanup.add(heartbeat, (started) => started.stop());
        return heartbeat;
      });
      expect(heartbeats.every((heartbeat) => heartbeat.clustered)).toBe(true);
      expect(notices).toEqual([]);

      const store = await openThreadStore({ postgres: url });
      cleanup.add(store, (opened) => opened.close());
      const finished = async () =>
        ((await store.heartbeats?.list('ops-beat', 100)) ?? []).filter((tick) => tick.finishedAt !== null);
      await waitFor(async () => ((await finished()).length >= 8 ? true : undefined), { timeoutMs: 60_000 });
      await Promise.all(heartbeats.map((heartbeat) => heartbeat.stop()));

      const ticks = (await finished()).reverse();
      expect(ticks.map((tick) => tick.tick)).toEqual(ticks.map((_, index) => index + 1));
      expect(ticks.every((tick) => tick.outcome === 'quiet')).toBe(true);
      // One model call per tick of the cluster (plus, at most, the one a stop interrupted), not
      // one per instance.
      expect(provider.requests.length).toBeGreaterThanOrEqual(ticks.length);
      expect(provider.requests.length).toBeLessThanOrEqual(ticks.length + 1);
      // Each tick continued the one stored thread, whichever instance ran it.
      const last = provider.requests[ticks.length - 1];
      const sent = JSON.stringify(last?.messages);
      expect(sent.split('Check the services.').length - 1).toBe(ticks.length);
      const thread = await store.getThread({ apiKeyHash: 'headless' }, 'ops-beat');
      expect(thread).toBeDefined();
    }, 120_000);
  },
);
