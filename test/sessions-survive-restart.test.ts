import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader, eventsOf, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { builtIndex } from './helpers/built-cli.js';
import { spawnServe } from './helpers/spawn-serve.js';
import { waitFor } from './helpers/wait-for.js';

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** An agent whose `delete_file` needs approval and prints `deleted <path>` when it runs. */
const agentSource = (
  upstreamUrl: string,
): string => `import { createAgent, tool } from ${JSON.stringify(builtIndex)};
export default createAgent({
  systemPrompt: 'You are a test agent.',
  provider: 'anthropic',
  apiKey: 'test-key',
  providerConfig: { baseURL: ${JSON.stringify(upstreamUrl)} },
  needsApproval: (toolName) => toolName === 'delete_file',
  tools: [
    tool({
      name: 'delete_file',
      description: 'Deletes a file',
      inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
      execute: (input) => {
        process.stderr.write(\`deleted \${String(input['path'])}\\n\`);
        return { deleted: input['path'] };
      },
    }),
  ],
  // Queued runs are looked for every 500 ms (a third of the lease).
  server: { validApiKeys: ['browser-key'], queuedRunLeaseMs: 1_500 },
});
`;

const countOf = (text: string, part: string): number => text.split(part).length - 1;

describe.skipIf(unavailable !== undefined)(
  'sessions of a default serve survive its restart',
  { timeout: 240_000 },
  () => {
    it("keeps an anonymous session's token, threads, suspended approval and queued run across SIGTERM and a restart", async () => {
      const project = cleanup.add(await reachableTempFolder('sessions-restart-'), (dir) =>
        rm(dir, { recursive: true, force: true }),
      );
      const upstream = cleanup.add(
        await createMockUpstream({
          anthropic: [
            textTurn('Paris.'),
            toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_restart' }),
            textTurn('Deleted /tmp/a.'),
            textTurn('Queued answer.'),
            textTurn('Still here.'),
          ],
        }),
        (server) => server.close(),
      );
      await writeFile(join(project, 'agent.ts'), agentSource(upstream.url));

      const first = cleanup.add(await spawnServe(project, 'agent.ts'), (each) => each.stop());
      // No user asserted: the session owns its threads itself, under its own id.
      const init = await jsonOf(await first.client.post('/chat/init', { api_key: 'browser-key' }));
      const token = String(init['session_token']);
      const threadId = 'thr_restart';
      const chat = await first.client.chat(token, {
        messages: [{ role: 'user', content: 'Capital of France?' }],
        thread_id: threadId,
      });
      expect(chat.status).toBe(200);
      expect(textOf(await readAllSseFrames(chat))).toBe('Paris.');
      const approval = await first.client.chat(token, {
        messages: [{ role: 'user', content: 'delete /tmp/a' }],
        thread_id: threadId,
      });
      const reader = createSseReader(approval);
      const request = await reader.nextOfType('tool_approval_request');
      // Queued behind the waiting run of its thread, in the database.
      const queued = await first.client.post(
        '/runs',
        { message: 'And then?', thread_id: threadId, multitask: 'enqueue' },
        { token },
      );
      expect(queued.status).toBe(202);
      const queuedRunId = String((await jsonOf(queued))['run_id']);
      expect(await first.stop()).toBe(0);
      expect(eventsOf(await reader.rest()).at(-1)).toMatchObject({ type: 'error', code: 'run_suspended' });
      const runId = String(reader.frames.at(-1)?.runId);

      // The secret is kept with the data, private, and never written to the log.
      const secretFile = join(project, '.agent-gateway', 'data', 'session-secret');
      expect((await stat(secretFile)).mode & 0o777).toBe(0o600);
      const secret = (await readFile(secretFile, 'utf8')).trim();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(first.output()).not.toContain(secret);

      const second = cleanup.add(await spawnServe(project, 'agent.ts'), (each) => each.stop());
      // Several scans of the queue go by before the old token comes back: the queued run is
      // taken while its session is gone from memory.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const listed = await second.client.get('/threads', { token });
      expect(listed.status).toBe(200);
      expect(JSON.stringify(await jsonOf(listed))).toContain(threadId);

      const answered = await second.client.post(
        '/chat/tool-approval',
        { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
        { token },
      );
      expect(await jsonOf(answered)).toEqual({ status: 'ok', run_id: runId, resumed: true });
      await waitFor(
        async () => {
          const run = await jsonOf(await second.client.get(`/runs/${runId}`, { token }));
          return run['status'] === 'completed' ? true : undefined;
        },
        { timeoutMs: 60_000, description: 'the resumed run completed' },
      );
      // The queued run's session is gone with the process: it runs for its owner all the same.
      await waitFor(
        async () => {
          const run = await jsonOf(await second.client.get(`/runs/${queuedRunId}`, { token }));
          return run['status'] === 'completed' ? true : undefined;
        },
        { timeoutMs: 60_000, description: 'the queued run completed' },
      );
      const next = await second.client.chat(token, {
        messages: [{ role: 'user', content: 'Are you there?' }],
        thread_id: threadId,
      });
      expect(next.status).toBe(200);
      expect(textOf(await readAllSseFrames(next))).toBe('Still here.');
      const thread = await waitFor(
        async () => {
          const read = await jsonOf(await second.client.get(`/threads/${threadId}`, { token }));
          return JSON.stringify(read['messages']).includes('Still here.') ? read : undefined;
        },
        { timeoutMs: 20_000, description: 'the continued thread written' },
      );
      const messages = JSON.stringify(thread['messages']);
      for (const part of [
        'Capital of France?',
        'Paris.',
        'Deleted /tmp/a.',
        'Queued answer.',
        'Still here.',
      ]) {
        expect(messages).toContain(part);
      }
      // The tool ran once, after the restart, on the old token's answer.
      expect(countOf(first.output(), 'deleted /tmp/a')).toBe(0);
      expect(countOf(second.output(), 'deleted /tmp/a')).toBe(1);
      expect(second.output()).not.toContain(secret);
    });
  },
);
