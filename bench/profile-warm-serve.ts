/**
 * A profile of a warm default `serve` (embedded database on) under single-message chats at
 * `--clients` (32): the gateway is first warmed for `--warm-seconds` (15: until the JIT has
 * settled), then profiled for `--seconds` (5) through its in-process inspector
 * (bench/lib/inspector-profile-preload.ts). Unlike `node --cpu-prof`, neither start-up nor
 * warm-up is in it. `--mode cpu` writes a CPU profile (summarise it with
 * bench/summarize-cpu-profile.ts); `--mode alloc` (default) an allocation profile that keeps
 * collected objects, summarised here in KB per chat by area and by function.
 *
 *   npm run build && node --import tsx bench/profile-warm-serve.ts [--mode alloc|cpu] \
 *     [--package <a built copy>] [--out /tmp/serve.heapprofile] [--top 40] [--survivors] [--no-database]
 *     [--deltas <N>] [--budget]
 * `--survivors` (alloc): only what outlived a scavenge (promoted, or alive at the end): what the
 * young generation's collections copy. `--no-database` profiles `serve --no-database` instead,
 * to see what the embedded database costs the gateway's own process. `--deltas <N>`: the verdict
 * bench's lean mock model (bench/lib/lean-mock-process.ts) under the gateway, answering N text
 * deltas a chat, instead of the mock upstream's short answer.
 * `--budget`: the budget verdict lane's one budget (bench/lib/verdict-lanes.ts), so every chat
 * reserves and settles its model call (use with `--deltas`: the lean mock answers a priced model).
 * Run it with the node to profile (Node 22 for issue 67's figures).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startChildProcess } from './lib/child-process-handle.js';
import { flagValue, numberFlag } from './lib/cli-flags.js';
import { gatewayChatsFor } from './lib/gateway-chats-for.js';
import { chatText } from './lib/lean-chats.js';
import { postJson, startServeGateway, stopServeGateway } from './lib/serve-gateway.js';
import { summarizeAllocations, type AllocationProfile } from './lib/summarize-allocations.js';
import { INSPECTOR_PROFILE_PRELOAD } from './lib/inspector-profile-preload.js';
import { servingPid } from './lib/serving-process.js';
import { BENCH_BUDGET } from './lib/verdict-lanes.js';

const mode = flagValue('mode') === 'cpu' ? 'cpu' : 'alloc';
const out = flagValue('out') ?? `/tmp/serve.${mode === 'cpu' ? 'cpuprofile' : 'heapprofile'}`;
const packageRoot = flagValue('package');
const clients = numberFlag('clients', 32);
const deltasFlag = flagValue('deltas');
const deltas = deltasFlag === undefined ? undefined : Number(deltasFlag);
if (deltas !== undefined && !(Number.isInteger(deltas) && deltas > 0))
  throw new Error(`--deltas takes a count of text deltas, not ${deltasFlag}`);
const textOf = deltas === undefined ? undefined : (chat: number): string => chatText(deltas, chat);

const upstream = await startChildProcess({
  entry: fileURLToPath(
    new URL(deltas === undefined ? './lib/mock-process.ts' : './lib/lean-mock-process.ts', import.meta.url),
  ),
});
const gateway = await startServeGateway({
  mode: process.argv.includes('--no-database') ? 'no-database' : 'default',
  upstreamUrl: upstream.url,
  label: 'profile',
  // As the verdict bench runs it: the CLI's own log level, the request log on (to /dev/null).
  logLevel: 'info',
  stderr: 'ignore',
  serveFlags: ['--log-format', 'json'],
  ...(packageRoot === undefined ? {} : { packageRoot }),
  ...(process.argv.includes('--budget') ? { server: BENCH_BUDGET } : {}),
  files: { 'profile-preload.mjs': INSPECTOR_PROFILE_PRELOAD },
  nodeFlags: ['--import', './profile-preload.mjs'],
  env: {
    PROFILE_OUT: out,
    PROFILE_MODE: mode,
    PROFILE_SURVIVORS: process.argv.includes('--survivors') ? '1' : '0',
  },
});
const tokens = await Promise.all(
  Array.from({ length: clients }, async (_, index) => {
    const response = await postJson(`${gateway.base}/chat/init`, { api_key: 'bench', user: `c${index}` });
    return String(((await response.json()) as { session_token: string }).session_token);
  }),
);
// A build that re-executes node serves in a child of the process started (which loads the
// preload too, and would profile its own waiting): the signal goes to the one that serves.
const serving = servingPid(gateway.child.pid ?? 0);
const signalled = (): Promise<void> => {
  process.kill(serving, 'SIGUSR2');
  return new Promise((resolve) => setTimeout(resolve, 1_000));
};
await gatewayChatsFor(gateway, tokens, numberFlag('warm-seconds', 15), textOf);
await signalled();
const chats = await gatewayChatsFor(gateway, tokens, numberFlag('seconds', 5), textOf);
await signalled();
await stopServeGateway(gateway);
await upstream.close();
console.log(`${mode} profile of ${chats} chats: ${out}`);
if (mode === 'alloc')
  console.log(
    summarizeAllocations(
      JSON.parse(readFileSync(out, 'utf8')) as AllocationProfile,
      chats,
      numberFlag('top', 40),
    ),
  );
else console.log(`npx tsx bench/summarize-cpu-profile.ts ${out} 60   (divide by ${chats} chats)`);
