import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { nonNegativeNumber, parseOptions } from '../../core/parse-options.js';
import type { ContentBlock, Message } from '../../core/messages.js';
import type { ModelInfo, Provider, ProviderEvent, ProviderRequest } from '../../core/provider.js';
import type { ToolDefinition } from '../../core/tool.js';
import { sampleInput } from './sample-input.js';

const demoProviderOptionsSchema = z.strictObject({
  /** Pause between two streamed pieces, in ms, so a person sees the answer arrive (default 30). */
  delayMs: nonNegativeNumber().default(30),
});

/** Options of `createDemoProvider`. */
export type DemoProviderOptions = z.input<typeof demoProviderOptionsSchema>;

/** The name `agent-gateway serve --demo` shows for the model. */
export const DEMO_MODEL = 'demo-model';

const blocksOf = (message: Message | undefined): ContentBlock[] =>
  message === undefined
    ? []
    : typeof message.content === 'string'
      ? [{ type: 'text', text: message.content }]
      : message.content;

const textOf = (message: Message | undefined): string =>
  blocksOf(message)
    .flatMap((block) => (block.type === 'text' ? [block.text] : []))
    .join(' ')
    .trim();

const clip = (text: string, length: number): string =>
  text.length <= length ? text : `${text.slice(0, length - 1)}…`;

/** What the demo model does next: answer in text, or call one tool. */
type DemoStep = { text: string; call?: { name: string; input: Record<string, unknown> } };

/** The reply to tool results: a sentence per result, naming the tool and what came back. */
const replyToResults = (messages: Message[], last: Message): DemoStep => {
  const calls = new Map<string, string>();
  for (const block of blocksOf(messages.at(-2)))
    if (block.type === 'tool_use') calls.set(block.id, block.name);
  const lines = blocksOf(last).flatMap((block) => {
    if (block.type !== 'tool_result') return [];
    const name = calls.get(block.tool_use_id) ?? 'the tool';
    const content =
      typeof block.content === 'string'
        ? block.content
        : block.content.map((part) => (part.type === 'text' ? part.text : '[image]')).join(' ');
    return [
      block.is_error === true
        ? `${name} did not run: ${clip(content, 200)}`
        : `${name} returned: ${clip(content, 200)}`,
    ];
  });
  return { text: `${lines.join('\n')}\n\nThat was the demo model; send another message to go on.` };
};

/** The tool a message names (`send_email` or "send email"), if any. */
const namedTool = (text: string, tools: ToolDefinition[]): ToolDefinition | undefined => {
  const lower = text.toLowerCase();
  return tools.find(
    (tool) =>
      lower.includes(tool.name.toLowerCase()) || lower.includes(tool.name.toLowerCase().replaceAll('_', ' ')),
  );
};

/**
 * The next step of the demo model: after tool results, a summary of them; after a person's
 * message, a call of the tool it names, else of the next tool in turn (every few messages a
 * plain answer instead), so that a playground shows tool cards, approvals and client-tool
 * forms with no model behind it.
 */
export function nextDemoStep(request: Pick<ProviderRequest, 'messages' | 'tools'>): DemoStep {
  const { messages, tools } = request;
  const last = messages.at(-1);
  if (blocksOf(last).some((block) => block.type === 'tool_result')) return replyToResults(messages, last!);
  const said = textOf(last);
  const turn = messages.filter(
    (message) => message.role === 'user' && !blocksOf(message).some((block) => block.type === 'tool_result'),
  ).length;
  const chosen = namedTool(said, tools) ?? tools[(turn - 1) % (tools.length + 1)];
  const names = tools.map((tool) => tool.name).join(', ');
  if (chosen === undefined) {
    return {
      text:
        `This is the demo model: no real model is called. You said: "${clip(said, 200)}". ` +
        (tools.length === 0
          ? 'The agent has no tools to show.'
          : `Name a tool in your message to see it called (${names}).`),
    };
  }
  const input = sampleInput(chosen.input_schema);
  return {
    text: `Demo model: calling ${chosen.name} with sample input.`,
    call: {
      name: chosen.name,
      input: typeof input === 'object' && input !== null ? (input as Record<string, unknown>) : {},
    },
  };
}

const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    if (ms <= 0) return resolve();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

const approximateTokens = (value: unknown): number => Math.ceil(JSON.stringify(value).length / 4);

/**
 * A provider that answers from a script of its own instead of a model: it streams short texts
 * and calls the agent's own tools with sample input built from their schemas. For trying a
 * gateway, its playground and its clients with no API key (`agent-gateway serve --demo`); it
 * costs nothing and never touches the network.
 */
export function createDemoProvider(options: DemoProviderOptions = {}): Provider {
  const { delayMs } = parseOptions(demoProviderOptionsSchema, options, 'createDemoProvider');
  return {
    name: 'demo',
    hasCredential: () => true,
    getModelInfo: (model): ModelInfo => ({
      id: model,
      provider: 'demo',
      contextWindow: 200_000,
      maxOutputTokens: 16_000,
      supportsThinking: false,
      supportsVision: true,
      supportsToolUse: true,
      pricing: { inputPerMTok: 0, outputPerMTok: 0, cacheReadPerMTok: 0, cacheWritePerMTok: 0 },
    }),
    async *stream(request, signal): AsyncIterable<ProviderEvent> {
      const step = nextDemoStep(request);
      yield { type: 'message_start' };
      const words = step.text.split(/(?<= )/);
      for (const word of words) {
        await pause(delayMs, signal);
        yield { type: 'text_delta', text: word };
      }
      yield { type: 'block_end', block: { type: 'text', text: step.text } };
      if (step.call !== undefined) {
        const id = `toolu_demo_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
        await pause(delayMs, signal);
        yield { type: 'tool_use_start', id, name: step.call.name };
        yield { type: 'tool_use_delta', id, partialJson: JSON.stringify(step.call.input) };
        yield {
          type: 'block_end',
          block: { type: 'tool_use', id, name: step.call.name, input: step.call.input },
        };
      }
      yield {
        type: 'usage',
        usage: {
          inputTokens: approximateTokens(request.messages),
          outputTokens: approximateTokens(step),
          cacheReadTokens: 0,
          cacheCreationTokens: 0,
        },
      };
      yield { type: 'message_end', stopReason: step.call === undefined ? 'end_turn' : 'tool_use' };
    },
  };
}
