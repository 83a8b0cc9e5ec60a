/**
 * Where the durable default's time goes, per chat: the CPU of the gateway and of the processes
 * it started (the embedded PostgreSQL server), and (with `--count`) the statements the gateway
 * sent, by name, for single-message chats and for chats continuing a stored thread, at c=32,
 * against `--no-database` (the built package: `npm run build` first).
 *
 *   node --import tsx bench/durable-default-cost.ts [--chats 600] [--count] [--cpu-prof DIR] [--only plain|continued]
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startChildProcess } from './lib/child-process-handle.js';
import { currentLoad } from './lib/machine-info.js';
import { treeCpu } from './lib/process-tree-cpu.js';
import {
  builtPackageEntry,
  postJson as post,
  startServeGateway,
  type ServeGateway,
  type ServeMode,
} from './lib/serve-gateway.js';
import { flagValue } from './lib/cli-flags.js';
import { round } from './lib/stats.js';

const CHATS = Number(flagValue('chats') ?? 600);
const COUNT = process.argv.includes('--count');
const CPU_PROF = flagValue('cpu-prof');
/** `continued` measures only the continued conversation (after a short warm-up), `plain` only single messages. */
const ONLY = flagValue('only');
const CONCURRENCY = 32;

type Mode = ServeMode;

/**
 * Preloaded into the gateway (\`--count\`): counts the statements the \`pg\` driver sends, by
 * prepared name (or the text's start), per phase (SIGUSR2 starts the next one), and writes them
 * to `counts.json` in its working directory (its project folder) when the process exits.
 */
const COUNTER_SOURCE = `import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const pg = createRequire(${JSON.stringify(builtPackageEntry)})('pg');
const counts = new Map();
const original = pg.Client.prototype.query;
let phase = 0;
process.on('SIGUSR2', () => { phase += 1; });
pg.Client.prototype.query = function query(config, values, callback) {
  const text = typeof config === 'string' ? config : (config?.name ?? String(config?.text));
  const key = 'phase ' + phase + ' | ' + text.replace(/\\s+/g, ' ').slice(0, 60);
  counts.set(key, (counts.get(key) ?? 0) + 1);
  return original.call(this, config, values, callback);
};
process.on('exit', () => writeFileSync('counts.json', JSON.stringify([...counts].sort())));
`;

/** Starts `serve` in a fresh project folder, with the statement counter and the profiler when asked. */
const startGateway = (mode: Mode, upstreamUrl: string): Promise<ServeGateway> =>
  startServeGateway({
    mode,
    upstreamUrl,
    label: 'cost',
    files: { 'count-pg-statements.mjs': COUNTER_SOURCE },
    nodeFlags: [
      ...(COUNT ? ['--import', './count-pg-statements.mjs'] : []),
      ...(CPU_PROF === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', join(CPU_PROF, mode)]),
    ],
  });

interface Client {
  token: string;
  threadId?: string;
  history: Array<{ role: string; content: string }>;
}

async function openClient(base: string, index: number, withThread: boolean): Promise<Client> {
  const init = (await (
    await post(`${base}/chat/init`, { api_key: 'bench', user: `client-${index}` })
  ).json()) as {
    session_token: string;
  };
  const client: Client = { token: init.session_token, history: [] };
  if (withThread) {
    const thread = (await (await post(`${base}/threads`, {}, client.token)).json()) as { thread_id: string };
    client.threadId = thread.thread_id;
  }
  return client;
}

async function chat(base: string, client: Client, text: string, continued: boolean): Promise<void> {
  const message = { role: 'user', content: text };
  const body =
    continued && client.threadId !== undefined
      ? { messages: [message], thread_id: client.threadId }
      : { messages: continued ? [...client.history, message] : [message] };
  const response = await post(`${base}/chat`, body, client.token);
  if (response.status !== 200) throw new Error(`chat answered ${response.status}: ${await response.text()}`);
  let answer = '';
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith('data: ') || !line.includes('"text_delta"')) continue;
    answer += (JSON.parse(line.slice(6)) as { text: string }).text;
  }
  if (continued && client.threadId === undefined)
    client.history.push(message, { role: 'assistant', content: answer });
}

async function phase(gateway: ServeGateway, clients: Client[], continued: boolean) {
  const pid = gateway.child.pid ?? 0;
  const before = await treeCpu(pid);
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    clients.map(async (client, index) => {
      while (sent < CHATS) {
        sent += 1;
        await chat(gateway.base, client, `question ${sent} of ${index}`, continued);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  const after = await treeCpu(pid);
  // The statement counter (`--count`) starts its next phase.
  if (COUNT) gateway.child.kill('SIGUSR2');
  return {
    chatsPerSecond: round(CHATS / seconds),
    gatewayCpuMsPerChat: round((after.rootMs - before.rootMs) / CHATS),
    serverCpuMsPerChat: round((after.descendantsMs - before.descendantsMs) / CHATS),
    load: currentLoad(),
  };
}

const upstream = await startChildProcess({
  entry: fileURLToPath(new URL('./lib/mock-process.ts', import.meta.url)),
});
try {
  for (const mode of ['default', 'no-database'] as Mode[]) {
    const gateway = await startGateway(mode, upstream.url);
    try {
      const warm = await Promise.all(
        Array.from({ length: CONCURRENCY }, (_, index) => openClient(gateway.base, index, false)),
      );
      await phase(gateway, warm, false);
      const plain = ONLY === 'continued' ? undefined : await phase(gateway, warm, false);
      const talkers =
        ONLY === 'plain'
          ? undefined
          : await Promise.all(
              Array.from({ length: CONCURRENCY }, (_, index) =>
                openClient(gateway.base, 100 + index, mode === 'default'),
              ),
            );
      const continued = talkers === undefined ? undefined : await phase(gateway, talkers, true);
      console.log(JSON.stringify({ mode, plain, continued }));
    } finally {
      const exited = new Promise((resolve) => gateway.child.once('exit', resolve));
      gateway.child.kill('SIGTERM');
      await exited;
      if (COUNT) {
        const counts = JSON.parse(
          await readFile(join(gateway.project, 'counts.json'), 'utf8').catch(() => '[]'),
        ) as Array<[string, number]>;
        for (const [key, count] of counts) console.log(`${mode} ${key}: ${count}`);
      }
      await rm(gateway.project, { recursive: true, force: true });
    }
  }
} finally {
  await upstream.close();
}
