import type { RecordedUpstreamRequest } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn, type ScriptedResponse } from '../../src/testing/scripted-turn.js';

/**
 * What a benchmark chat asks the mock model for. The directive travels inside the user message
 * (`bench:<kind>[:n…]#<id>`), so the gateway forwards it untouched and the same mock process
 * can answer the gateway and the direct SDK client alike, with no shared state.
 */
export type BenchDirective =
  /** A short reply of `words` words, unpaced. */
  | { kind: 'short'; words: number }
  /** `deltas` text deltas, `delayMs` apart. */
  | { kind: 'paced'; deltas: number; delayMs: number }
  /** One text delta, then the stream stays open and silent until the client goes away. */
  | { kind: 'stall' }
  /** A call of the local `bench_echo` tool, then a short reply once the result comes back. */
  | { kind: 'tool' };

/** Name of the local tool the benchmark gateway registers. */
export const BENCH_TOOL_NAME = 'bench_echo';

const directivePattern = /bench:([a-z]+)((?::\d+)*)#([\w-]+)/;

/** The user message that carries `directive` for the chat `id`. */
export function formatDirective(directive: BenchDirective, id: string): string {
  switch (directive.kind) {
    case 'short':
      return `bench:short:${directive.words}#${id}`;
    case 'paced':
      return `bench:paced:${directive.deltas}:${directive.delayMs}#${id}`;
    case 'stall':
    case 'tool':
      return `bench:${directive.kind}#${id}`;
  }
}

/** Finds the directive and chat id in any text (a JSON request body, a message). */
export function parseDirective(text: string): { directive: BenchDirective; id: string } | undefined {
  const match = directivePattern.exec(text);
  if (match === null) return undefined;
  const [, kind, numbers = '', id = ''] = match;
  const values = numbers
    .split(':')
    .filter((part) => part !== '')
    .map(Number);
  switch (kind) {
    case 'short':
      return { directive: { kind, words: values[0] ?? 8 }, id };
    case 'paced':
      return { directive: { kind, deltas: values[0] ?? 64, delayMs: values[1] ?? 20 }, id };
    case 'stall':
    case 'tool':
      return { directive: { kind }, id };
    default:
      return undefined;
  }
}

const words = (count: number): string =>
  Array.from({ length: Math.max(1, count) }, (_, index) => `w${index}`).join(' ');

const lastMessageText = (body: unknown): string => {
  if (typeof body !== 'object' || body === null || !('messages' in body) || !Array.isArray(body.messages)) {
    return '';
  }
  return JSON.stringify(body.messages.at(-1) ?? '');
};

/**
 * The mock model's answer to a benchmark request: the turn its directive asks for; after a tool
 * result, the closing reply. A request with no directive gets a short reply.
 */
export function benchTurn(request: RecordedUpstreamRequest): ScriptedResponse {
  const last = lastMessageText(request.body);
  const usage = { inputTokens: 12, outputTokens: 8 };
  if (last.includes('"tool_result"')) return textTurn('Tool result received.', { usage });
  const parsed = parseDirective(last);
  const directive: BenchDirective = parsed?.directive ?? { kind: 'short', words: 8 };
  switch (directive.kind) {
    case 'short':
      return textTurn(words(directive.words), { usage });
    case 'paced':
      return textTurn(words(directive.deltas), { usage, eventDelayMs: directive.delayMs });
    case 'stall':
      // message_start, ping, content_block_start, first delta: then silence.
      return textTurn(words(8), { usage, stallAfterEvents: 4 });
    case 'tool':
      return toolCallTurn(BENCH_TOOL_NAME, { value: 'ping' }, { usage });
  }
}
