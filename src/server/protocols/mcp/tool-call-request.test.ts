import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toolInputSchema } from './agent-mcp-server.js';
import { parseToolCallRequest } from './tool-call-request.js';

/** The zod schema of the envelope the fast path used before it was written by hand: the reference. */
const envelopeSchema = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number().int()]),
  method: z.literal('tools/call'),
  params: z.object({
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()).optional(),
    _meta: z
      .object({ progressToken: z.union([z.string(), z.number().int()]).optional() })
      .loose()
      .optional(),
  }),
});

/** What the two zod parses (envelope, then the tool's input) made of a body. */
function parsedByZod(body: unknown, toolName: string) {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success || envelope.data.params.name !== toolName) return undefined;
  const input = toolInputSchema.safeParse(envelope.data.params.arguments ?? {});
  if (!input.success) return undefined;
  return {
    id: envelope.data.id,
    progressToken: envelope.data.params._meta?.progressToken,
    input: { message: input.data.message, threadId: input.data.thread_id },
  };
}

const call = (params: unknown, envelope: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params,
  ...envelope,
});
const ask = (args: unknown, meta?: unknown) => ({
  name: 'ask_agent',
  arguments: args,
  ...(meta === undefined ? {} : { _meta: meta }),
});

const bodies: Array<[string, unknown]> = [
  ['a call with a progress token', call(ask({ message: 'hi' }, { progressToken: 7 }))],
  ['a string id and token', call(ask({ message: 'hi' }, { progressToken: 'p' }), { id: 'c1' })],
  ['a thread id', call(ask({ message: 'hi', thread_id: 'thread_1.a:b-c' }))],
  ['extra keys everywhere', call({ ...ask({ message: 'hi', x: 1 }, { progressToken: 1, y: 2 }), z: 3 })],
  ['meta without a token', call(ask({ message: 'hi' }, {}))],
  ['the longest message', call(ask({ message: 'x'.repeat(200_000) }))],
  ['a message too long', call(ask({ message: 'x'.repeat(200_001) }))],
  ['an empty message', call(ask({ message: '' }))],
  ['no message', call(ask({}))],
  ['no arguments', call({ name: 'ask_agent' })],
  ['null arguments', call(ask(null))],
  ['array arguments', call(ask(['hi']))],
  ['a number message', call(ask({ message: 1 }))],
  ['a bad thread id', call(ask({ message: 'hi', thread_id: 'a b' }))],
  ['a thread id too long', call(ask({ message: 'hi', thread_id: 'a'.repeat(129) }))],
  ['a null thread id', call(ask({ message: 'hi', thread_id: null }))],
  ['another tool', call({ name: 'other', arguments: { message: 'hi' } })],
  ['no tool name', call({ arguments: { message: 'hi' } })],
  ['a null token', call(ask({ message: 'hi' }, { progressToken: null }))],
  ['a boolean token', call(ask({ message: 'hi' }, { progressToken: true }))],
  ['a fractional token', call(ask({ message: 'hi' }, { progressToken: 1.5 }))],
  ['a fractional id', call(ask({ message: 'hi' }), { id: 2.5 })],
  ['null meta', call(ask({ message: 'hi' }, null))],
  ['array meta', call(ask({ message: 'hi' }, [1]))],
  ['array params', call([ask({ message: 'hi' })])],
  ['no params', { jsonrpc: '2.0', id: 1, method: 'tools/call' }],
  ['no id', { jsonrpc: '2.0', method: 'tools/call', params: ask({ message: 'hi' }) }],
  ['a null id', call(ask({ message: 'hi' }), { id: null })],
  ['a fractional id', call(ask({ message: 'hi' }), { id: 1.5 })],
  ['an object id', call(ask({ message: 'hi' }), { id: {} })],
  ['another method', call(ask({ message: 'hi' }), { method: 'tools/list' })],
  ['JSON-RPC 1.0', call(ask({ message: 'hi' }), { jsonrpc: '1.0' })],
  ['a batch', [call(ask({ message: 'hi' }))]],
  ['null', null],
  ['a string', 'tools/call'],
];

describe('reading a tools/call of the agent tool by hand', () => {
  it.each(bodies)('takes %s exactly as the zod schemas do', (_name, body) => {
    expect(parseToolCallRequest(body, 'ask_agent')).toEqual(parsedByZod(body, 'ask_agent'));
  });

  it('gives the id, the progress token and the input', () => {
    expect(
      parseToolCallRequest(
        call(ask({ message: 'hi', thread_id: 't1' }, { progressToken: 'p' }), { id: 'c' }),
        'ask_agent',
      ),
    ).toEqual({ id: 'c', progressToken: 'p', input: { message: 'hi', threadId: 't1' } });
  });
});
