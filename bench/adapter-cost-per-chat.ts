/**
 * What the frontend adapters add to a chat: the same `createAgent` agent (an 8-word reply
 * replayed from memory, no SDK, no sockets) driven through `app.fetch` in process on the
 * native route (`POST /chat`), the AI SDK UI message stream (`POST /ui/chat`) and AG-UI
 * (`POST /ag-ui`, when the route exists), in interleaved rounds so every route sees the same
 * machine load. Prints CPU and wall time per chat (medians over the rounds), each as a ratio to
 * the native route measured in the same run, and writes bench/results/adapter-cost-per-chat.json.
 *
 *   npx tsx bench/adapter-cost-per-chat.ts [chats=2000] [rounds=5]
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { createReplayProvider } from './lib/replay-provider.js';
import { median, round } from './lib/stats.js';

const chats = Number(process.argv[2] ?? 2_000);
const rounds = Number(process.argv[3] ?? 5);

const app = createAgent({
  systemPrompt: 'You are the benchmark agent.',
  provider: createReplayProvider(textTurn('w0 w1 w2 w3 w4 w5 w6 w7')),
  model: 'replay-model',
});
const base = 'http://gateway.local/api';
const post = (path: string, body: string, token?: string): Promise<Response> =>
  app.fetch(
    new Request(`${base}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body,
    }),
  );
const { session_token: token } = (await (await post('/chat/init', '{"api_key":"bench"}')).json()) as {
  session_token: string;
};

/** One protocol: its route, a body for one user message, and how its stream says it ended. */
interface Route {
  name: string;
  path: string;
  body: () => string;
  ended: (text: string) => boolean;
}
let counter = 0;
const routes: Route[] = [
  {
    name: 'native `POST /chat`',
    path: '/chat',
    body: () => JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] }),
    ended: (text) => text.includes('"stream_complete"'),
  },
  {
    name: 'AI SDK `POST /ui/chat`',
    path: '/ui/chat',
    body: () =>
      JSON.stringify({
        id: 'bench_chat',
        trigger: 'submit-message',
        messages: [{ id: `u${(counter += 1)}`, role: 'user', parts: [{ type: 'text', text: 'hello' }] }],
      }),
    ended: (text) => text.includes('"finishReason":"stop"') && text.endsWith('data: [DONE]\n\n'),
  },
  {
    name: 'AG-UI `POST /ag-ui`',
    path: '/ag-ui',
    body: () =>
      JSON.stringify({
        threadId: 'bench_thread',
        runId: `run_${(counter += 1)}`,
        messages: [{ id: `u${counter}`, role: 'user', content: 'hello' }],
        tools: [],
        context: [],
        state: {},
        forwardedProps: {},
      }),
    ended: (text) => text.includes('"RUN_FINISHED"'),
  },
];

const chatOn = async (route: Route): Promise<void> => {
  const text = await (await post(route.path, route.body(), token)).text();
  if (!route.ended(text)) throw new Error(`${route.name}: chat failed: ${text.slice(0, 300)}`);
};

// Routes this build does not serve are left out (the AG-UI route may not exist yet).
const served: Route[] = [];
for (const route of routes) {
  const probe = await post(route.path, route.body(), token);
  const text = await probe.text();
  if (probe.status === 404) console.log(`${route.name}: not served here, skipped`);
  else if (!route.ended(text)) throw new Error(`${route.name}: ${probe.status} ${text.slice(0, 300)}`);
  else served.push(route);
}
for (const route of served) for (let index = 0; index < 300; index += 1) await chatOn(route);

const cpu = new Map<string, number[]>(served.map((route) => [route.name, []]));
const wall = new Map<string, number[]>(served.map((route) => [route.name, []]));
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  for (const route of served) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    for (let index = 0; index < chats; index += 1) await chatOn(route);
    const used = process.cpuUsage(cpuBefore);
    cpu.get(route.name)?.push((used.user + used.system) / 1000 / chats);
    wall.get(route.name)?.push((performance.now() - started) / chats);
  }
}
await app.close();

const nativeName = routes[0]?.name ?? '';
const nativeCpu = median(cpu.get(nativeName) ?? []);
const nativeWall = median(wall.get(nativeName) ?? []);
const results = served.map((route) => {
  const cpuMs = median(cpu.get(route.name) ?? []);
  const wallMs = median(wall.get(route.name) ?? []);
  return {
    route: route.name,
    cpuMsPerChat: round(cpuMs),
    wallMsPerChat: round(wallMs),
    cpuRatioToNative: round(cpuMs / nativeCpu),
    wallRatioToNative: round(wallMs / nativeWall),
    addedCpuMs: round(cpuMs - nativeCpu),
  };
});
const machine = describeMachine();
console.log(
  `${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, commit ${machine.commit}, load ${currentLoad()}`,
);
console.log(`| route | CPU per chat | wall per chat | CPU vs native | wall vs native | added CPU |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
for (const result of results) {
  console.log(
    `| ${result.route} | ${result.cpuMsPerChat} ms | ${result.wallMsPerChat} ms | ×${result.cpuRatioToNative} | ` +
      `×${result.wallRatioToNative} | ${result.addedCpuMs} ms |`,
  );
}
const resultsPath = join(dirname(fileURLToPath(import.meta.url)), 'results', 'adapter-cost-per-chat.json');
writeFileSync(
  resultsPath,
  `${JSON.stringify({ machine, load: currentLoad(), chats, rounds, command: `npx tsx bench/adapter-cost-per-chat.ts ${chats} ${rounds}`, results }, null, 2)}\n`,
);
console.log(`wrote ${resultsPath}`);
