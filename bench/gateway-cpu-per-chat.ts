/**
 * CPU time of the gateway's own code per chat, with nothing else in the way: a `createAgent`
 * app whose provider replays an 8-word reply from memory (no SDK, no sockets), driven through
 * `app.fetch` in process — auth, body parsing, run set-up, the agent loop, the event log and the
 * SSE encoding of each chat. Runs `rounds` rounds of `chats` chats and prints the median. This is
 * the steadiest before/after figure for changes to the gateway itself: the load benchmarks on a
 * shared 2-core machine move by ±30% between runs.
 *
 *   npx tsx bench/gateway-cpu-per-chat.ts [chats=3000] [rounds=5]
 *   (or, closer to a deployment, the compiled file that `npm run bench` builds)
 */
import { createAgent } from '../src/server/assembly/create-agent.js';
import { tool } from '../src/tools/define-tool.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createReplayProvider } from './lib/replay-provider.js';
import { median, round } from './lib/stats.js';

const chats = Number(process.argv[2] ?? 3_000);
const rounds = Number(process.argv[3] ?? 5);

const provider = createReplayProvider(textTurn('w0 w1 w2 w3 w4 w5 w6 w7'));
const app = createAgent({
  systemPrompt: 'You are the benchmark agent.',
  provider,
  model: 'replay-model',
  tools: [
    tool({
      name: 'bench_echo',
      description: 'Echoes.',
      inputSchema: { type: 'object', properties: {} },
      execute: () => ({ ok: true }),
    }),
  ],
});
const base = 'http://gateway.local/api';
const init = (await (
  await app.fetch(
    new Request(`${base}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"api_key":"bench"}',
    }),
  )
).json()) as { session_token: string };
const body = JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] });
const chat = async (): Promise<void> => {
  const response = await app.fetch(
    new Request(`${base}/chat`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        authorization: `Bearer ${init.session_token}`,
      },
      body,
    }),
  );
  const text = await response.text();
  if (!text.includes('"stream_complete"')) throw new Error(`chat failed: ${text.slice(0, 200)}`);
};

for (let index = 0; index < 500; index += 1) await chat();
const cpuPerChat: number[] = [];
const wallPerChat: number[] = [];
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let index = 0; index < chats; index += 1) await chat();
  const used = process.cpuUsage(cpu);
  cpuPerChat.push((used.user + used.system) / 1000 / chats);
  wallPerChat.push((performance.now() - started) / chats);
}
await app.close();
console.log(
  `gateway code per chat (in process, replayed model): CPU ${round(median(cpuPerChat))} ms, wall ${round(median(wallPerChat))} ms ` +
    `(median of ${rounds} rounds of ${chats}; CPU includes GC threads)`,
);
