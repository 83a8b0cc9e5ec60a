/**
 * The frontend adapters' own work per chat, each part alone and in process (no run, no
 * sockets), against the native route's same part: body validation, conversion of the client's
 * history, and the framing of one short reply (8 text deltas and `stream_complete`, encoder
 * and framing created per chat as a route does). Prints µs per chat per part (median of the
 * rounds). For deciding which part of an adapter to make cheaper, and for before/after figures
 * that the machine's load does not drown; `bench/adapter-cost-over-sockets.ts` measures whole
 * chats.
 *
 * With `--build DIR` (repeatable, e.g. a before and an after build of `compileForBench`), the
 * compiled code of each build is measured, builds interleaved round by round; without, this
 * checkout's sources (under tsx, which wraps every closure: slower than compiled code).
 *
 *   npx tsx bench/adapter-parts-per-chat.ts [--build DIR]… [iterations=20000] [rounds=5]
 */
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { GatewayEvent, LogEntry } from '../src/core/events.js';
import type { SseFraming } from '../src/server/sse/sse-framing.js';
import type * as ModuleParseBody from '../src/server/http/parse-body.js';
import type * as ModuleRequestSchemas from '../src/server/contracts/request-schemas.js';
import type * as ModuleAgUiFraming from '../src/server/protocols/ag-ui/ag-ui-framing.js';
import type * as ModuleAgUiToHistory from '../src/server/protocols/ag-ui/ag-ui-to-history.js';
import type * as ModuleCreateAgUiEncoder from '../src/server/protocols/ag-ui/create-ag-ui-encoder.js';
import type * as ModuleRunAgentInput from '../src/server/protocols/ag-ui/run-agent-input.js';
import type * as ModuleCreateUiMessageEncoder from '../src/server/protocols/ai-sdk-ui/create-ui-message-encoder.js';
import type * as ModuleToGatewayHistory from '../src/server/protocols/ai-sdk-ui/to-gateway-history.js';
import type * as ModuleUiChatRequest from '../src/server/protocols/ai-sdk-ui/ui-chat-request.js';
import type * as ModuleUiMessageFraming from '../src/server/protocols/ai-sdk-ui/ui-message-framing.js';
import type * as ModuleSseFraming from '../src/server/sse/sse-framing.js';
import { createToolHistorySigner } from '../src/server/protocols/tool-history-signatures.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { median, round } from './lib/stats.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { build: { type: 'string', multiple: true } },
});
const iterations = Number(positionals[0] ?? 20_000);
const rounds = Number(positionals[1] ?? 5);
const sources = join(dirname(fileURLToPath(import.meta.url)), '..');
const roots = values.build === undefined ? [sources] : values.build.map((dir) => resolve(dir));
const text = 'bench:short:8#c123';

const nativeBody = JSON.stringify({ messages: [{ role: 'user', content: text }] });
const uiBody = JSON.stringify({
  id: 'bench_chat',
  messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text }] }],
  trigger: 'submit-message',
});
const agUiBody = JSON.stringify({
  threadId: 'bench_thread',
  runId: 'run_1',
  state: {},
  messages: [{ id: 'u1', role: 'user', content: text }],
  tools: [],
  context: [],
  forwardedProps: {},
});
const reply: LogEntry[] = [
  ...Array.from({ length: 8 }, (_, index): GatewayEvent => ({ type: 'text_delta', text: ` w${index}` })),
  {
    type: 'stream_complete',
    usage: {
      input_tokens: 12,
      output_tokens: 8,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      estimated_cost: 0.0001,
    },
  } satisfies GatewayEvent,
].map((event, index) => ({ seq: index + 1, event }));
const frameAll = (framing: SseFraming): number => {
  let length = 0;
  for (const entry of reply) length += framing.frame(entry).text.length;
  return length;
};
const noop = (): void => undefined;
// The bench histories hold no tool part: the signatures are never consulted (older builds
// take no second argument and ignore it).
const signatures = createToolHistorySigner({ secret: 'bench-secret' }).forSession('sess_bench');

/** The parts of one tree (a build's compiled JavaScript, or these sources). */
async function partsOf(root: string): Promise<Record<string, () => unknown>> {
  const extension = root === sources ? 'ts' : 'js';
  const load = (path: string): Promise<unknown> =>
    import(pathToFileURL(join(root, `${path}.${extension}`)).href);
  const { parseBody } = (await load('src/server/http/parse-body')) as typeof ModuleParseBody;
  const { ChatBody } = (await load('src/server/contracts/request-schemas')) as typeof ModuleRequestSchemas;
  const { agUiFraming } = (await load(
    'src/server/protocols/ag-ui/ag-ui-framing',
  )) as typeof ModuleAgUiFraming;
  const { agUiToHistory } = (await load(
    'src/server/protocols/ag-ui/ag-ui-to-history',
  )) as typeof ModuleAgUiToHistory;
  const { createAgUiEncoder } = (await load(
    'src/server/protocols/ag-ui/create-ag-ui-encoder',
  )) as typeof ModuleCreateAgUiEncoder;
  const { runAgentInputSchema } = (await load(
    'src/server/protocols/ag-ui/run-agent-input',
  )) as typeof ModuleRunAgentInput;
  const { createUiMessageEncoder } = (await load(
    'src/server/protocols/ai-sdk-ui/create-ui-message-encoder',
  )) as typeof ModuleCreateUiMessageEncoder;
  const { toGatewayHistory } = (await load(
    'src/server/protocols/ai-sdk-ui/to-gateway-history',
  )) as typeof ModuleToGatewayHistory;
  const { uiChatRequestSchema } = (await load(
    'src/server/protocols/ai-sdk-ui/ui-chat-request',
  )) as typeof ModuleUiChatRequest;
  const { uiMessageFraming } = (await load(
    'src/server/protocols/ai-sdk-ui/ui-message-framing',
  )) as typeof ModuleUiMessageFraming;
  const { nativeSseFraming } = (await load('src/server/sse/sse-framing')) as typeof ModuleSseFraming;
  return {
    'native: parse body': () => parseBody(ChatBody, JSON.parse(nativeBody)),
    'ui: parse body': () => parseBody(uiChatRequestSchema, JSON.parse(uiBody)),
    'ag-ui: parse body': () => parseBody(runAgentInputSchema, JSON.parse(agUiBody)),
    'ui: parse body + history': () =>
      toGatewayHistory(parseBody(uiChatRequestSchema, JSON.parse(uiBody)).messages, signatures),
    'ag-ui: parse body + history': () =>
      agUiToHistory(parseBody(runAgentInputSchema, JSON.parse(agUiBody)), signatures),
    'native: frame 9 events': () => frameAll(nativeSseFraming('run_0123456789abcdef')),
    'ui: frame 9 events': () =>
      frameAll(uiMessageFraming(createUiMessageEncoder({ messageId: 'msg_run_0123456789abcdef' }), noop)),
    'ag-ui: frame 9 events': () =>
      frameAll(
        agUiFraming(createAgUiEncoder({ threadId: 'bench_thread', runId: 'run_1', model: 'm' }), noop),
      ),
  };
}

const trees = await Promise.all(
  roots.map(async (root) => ({
    name: root === sources ? 'sources' : basename(root),
    parts: await partsOf(root),
  })),
);
const samples = new Map<string, number[]>();
for (let roundIndex = 0; roundIndex <= rounds; roundIndex += 1) {
  for (const tree of roundIndex % 2 === 0 ? trees : [...trees].reverse()) {
    for (const [name, part] of Object.entries(tree.parts)) {
      const started = performance.now();
      for (let index = 0; index < iterations; index += 1) part();
      const micros = ((performance.now() - started) / iterations) * 1000;
      if (roundIndex === 0) continue;
      const key = `${tree.name}|${name}`;
      samples.set(key, [...(samples.get(key) ?? []), micros]);
    }
  }
}
const machine = describeMachine();
console.log(
  `${machine.cpu}, Node ${machine.node}, load ${currentLoad()}, ${iterations} iterations × ${rounds} rounds (after one warm-up round)`,
);
const names = Object.keys(trees[0]?.parts ?? {});
console.log(`| part (µs per chat) | ${trees.map((tree) => tree.name).join(' | ')} |`);
console.log(`| --- | ${trees.map(() => '---').join(' | ')} |`);
for (const name of names) {
  const cells = trees.map((tree) => round(median(samples.get(`${tree.name}|${name}`) ?? []), 2));
  console.log(`| ${name} | ${cells.join(' | ')} |`);
}
