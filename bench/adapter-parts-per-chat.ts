/**
 * The frontend adapters' own work per chat, each part alone and in process (no run, no
 * sockets), against the native route's same part: body validation, conversion of the client's
 * history, and the framing of one short reply (8 text deltas and `stream_complete`). Prints
 * µs per chat per part (median of rounds). For deciding which part of an adapter to make
 * cheaper; `bench/adapter-cost-over-sockets.ts` measures the whole chat.
 *
 *   npx tsx bench/adapter-parts-per-chat.ts [iterations=20000] [rounds=5]
 */
import type { GatewayEvent, LogEntry } from '../src/core/events.js';
import { parseBody } from '../src/server/http/parse-body.js';
import { ChatBody } from '../src/server/http/request-schemas.js';
import { agUiFraming } from '../src/server/protocols/ag-ui/ag-ui-framing.js';
import { agUiToHistory } from '../src/server/protocols/ag-ui/ag-ui-to-history.js';
import { createAgUiEncoder } from '../src/server/protocols/ag-ui/create-ag-ui-encoder.js';
import { runAgentInputSchema } from '../src/server/protocols/ag-ui/run-agent-input.js';
import { createUiMessageEncoder } from '../src/server/protocols/ai-sdk-ui/create-ui-message-encoder.js';
import { toGatewayHistory } from '../src/server/protocols/ai-sdk-ui/to-gateway-history.js';
import { uiChatRequestSchema } from '../src/server/protocols/ai-sdk-ui/ui-chat-request.js';
import { uiMessageFraming } from '../src/server/protocols/ai-sdk-ui/ui-message-framing.js';
import { nativeSseFraming, type SseFraming } from '../src/server/sse/sse-framing.js';
import { currentLoad } from './lib/machine-info.js';
import { median, round } from './lib/stats.js';

const iterations = Number(process.argv[2] ?? 20_000);
const rounds = Number(process.argv[3] ?? 5);
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

const parts: Record<string, () => unknown> = {
  'native: parse body': () => parseBody(ChatBody, JSON.parse(nativeBody)),
  'ui: parse body': () => parseBody(uiChatRequestSchema, JSON.parse(uiBody)),
  'ag-ui: parse body': () => parseBody(runAgentInputSchema, JSON.parse(agUiBody)),
  'ui: history': () => toGatewayHistory(parseBody(uiChatRequestSchema, JSON.parse(uiBody)).messages),
  'ag-ui: history': () => agUiToHistory(parseBody(runAgentInputSchema, JSON.parse(agUiBody))),
  'native: frame 9 events': () => frameAll(nativeSseFraming('run_0123456789abcdef')),
  'ui: frame 9 events': () =>
    frameAll(uiMessageFraming(createUiMessageEncoder({ messageId: 'msg_run_0123456789abcdef' }), noop)),
  'ag-ui: frame 9 events': () =>
    frameAll(agUiFraming(createAgUiEncoder({ threadId: 'bench_thread', runId: 'run_1', model: 'm' }), noop)),
};

const samples = new Map<string, number[]>(Object.keys(parts).map((name) => [name, []]));
for (let roundIndex = 0; roundIndex <= rounds; roundIndex += 1) {
  for (const [name, part] of Object.entries(parts)) {
    const started = performance.now();
    for (let index = 0; index < iterations; index += 1) part();
    const micros = ((performance.now() - started) / iterations) * 1000;
    if (roundIndex > 0) samples.get(name)?.push(micros);
  }
}
console.log(`load ${currentLoad()}, ${iterations} iterations × ${rounds} rounds (after one warm-up round)`);
for (const [name, values] of samples)
  console.log(`${round(median(values), 2).toString().padStart(8)} µs  ${name}`);
