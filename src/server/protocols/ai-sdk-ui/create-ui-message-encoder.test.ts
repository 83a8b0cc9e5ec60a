import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../../core/events.js';
import { createUiMessageEncoder, type UiMessageEncoderOptions } from './create-ui-message-encoder.js';
import type { UiMessageChunk } from './ui-message-chunks.js';
import {
  approvalRequest,
  complete,
  outputChunk,
  text,
  thinking,
  toolDone,
  toolFailed,
  toolStart,
} from './__fixtures__/run-events.js';

function encodeAll(
  events: readonly GatewayEvent[],
  options: Partial<UiMessageEncoderOptions> = {},
): UiMessageChunk[] {
  let next = 0;
  const encoder = createUiMessageEncoder({
    messageId: 'msg_1',
    createBlockId: () => `b${++next}`,
    ...options,
  });
  return events.flatMap((event) => encoder.encode(event));
}

const usageMetadata = {
  usage: {
    inputTokens: 812,
    outputTokens: 41,
    cacheReadInputTokens: 100,
    cacheCreationInputTokens: 0,
    estimatedCost: 0.0031,
  },
};

describe('createUiMessageEncoder', () => {
  it('streams text in one block inside one step and finishes with the usage', () => {
    expect(encodeAll([text('Hel'), text('lo'), complete()])).toEqual([
      { type: 'start', messageId: 'msg_1' },
      { type: 'start-step' },
      { type: 'text-start', id: 'b1' },
      { type: 'text-delta', id: 'b1', delta: 'Hel' },
      { type: 'text-delta', id: 'b1', delta: 'lo' },
      { type: 'text-end', id: 'b1' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'stop', messageMetadata: usageMetadata },
    ]);
  });

  it('closes the reasoning block before the text block opens, with distinct ids', () => {
    expect(encodeAll([thinking('Hmm'), text('Yes')]).slice(2)).toEqual([
      { type: 'reasoning-start', id: 'b1' },
      { type: 'reasoning-delta', id: 'b1', delta: 'Hmm' },
      { type: 'reasoning-end', id: 'b1' },
      { type: 'text-start', id: 'b2' },
      { type: 'text-delta', id: 'b2', delta: 'Yes' },
    ]);
  });

  it('closes the text before a tool call and starts a new step when the model speaks after the results', () => {
    const chunks = encodeAll([
      text('Let me look.'),
      toolStart('call_1', 'stat_file', { path: 'a' }),
      toolDone('call_1', 'stat_file', { bytes: 120 }),
      text('120 bytes.'),
      complete(),
    ]);
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'start-step',
      'text-start',
      'text-delta',
      'text-end',
      'tool-input-start',
      'tool-input-available',
      'tool-output-available',
      'finish-step',
      'start-step',
      'text-start',
      'text-delta',
      'text-end',
      'finish-step',
      'finish',
    ]);
    expect(chunks[5]).toEqual({ type: 'tool-input-start', toolCallId: 'call_1', toolName: 'stat_file' });
    expect(chunks[6]).toEqual({
      type: 'tool-input-available',
      toolCallId: 'call_1',
      toolName: 'stat_file',
      input: { path: 'a' },
    });
    expect(chunks[7]).toEqual({
      type: 'tool-output-available',
      toolCallId: 'call_1',
      output: { bytes: 120 },
    });
  });

  it('keeps the sequential tool calls of one turn in one step', () => {
    const chunks = encodeAll([
      toolStart('call_1', 'a'),
      toolDone('call_1', 'a', 1),
      toolStart('call_2', 'b'),
      toolDone('call_2', 'b', 2),
    ]);
    expect(chunks.filter((chunk) => chunk.type === 'start-step')).toHaveLength(1);
    expect(chunks.filter((chunk) => chunk.type === 'finish-step')).toHaveLength(0);
  });

  it('marks a tool served by an MCP server as dynamic, by default from its execution location', () => {
    const chunks = encodeAll([toolStart('call_1', 'search', { q: 'x' }, 'docs-server')]);
    expect(chunks.slice(2)).toEqual([
      { type: 'tool-input-start', toolCallId: 'call_1', toolName: 'search', dynamic: true },
      {
        type: 'tool-input-available',
        toolCallId: 'call_1',
        toolName: 'search',
        input: { q: 'x' },
        dynamic: true,
      },
    ]);
  });

  it('asks isDynamicTool when one is given', () => {
    const chunks = encodeAll([toolStart('call_1', 'search'), toolStart('call_2', 'local')], {
      isDynamicTool: (name) => name === 'search',
    });
    const starts = chunks.filter((chunk) => chunk.type === 'tool-input-start');
    expect(starts).toEqual([
      { type: 'tool-input-start', toolCallId: 'call_1', toolName: 'search', dynamic: true },
      { type: 'tool-input-start', toolCallId: 'call_2', toolName: 'local' },
    ]);
  });

  it('sends streamed tool output as preliminary output holding the text so far', () => {
    const chunks = encodeAll([
      toolStart('call_1', 'run_code'),
      outputChunk('call_1', 'run_code', 'one\n', 1),
      outputChunk('call_1', 'run_code', 'two\n', 2),
      toolDone('call_1', 'run_code', { exit: 0 }),
    ]);
    expect(chunks.slice(4)).toEqual([
      { type: 'tool-output-available', toolCallId: 'call_1', output: 'one\n', preliminary: true },
      { type: 'tool-output-available', toolCallId: 'call_1', output: 'one\ntwo\n', preliminary: true },
      { type: 'tool-output-available', toolCallId: 'call_1', output: { exit: 0 } },
    ]);
  });

  it('maps a failed call to tool-output-error and a denied one to tool-output-denied', () => {
    const chunks = encodeAll([
      toolStart('call_1', 'a'),
      toolFailed('call_1', 'a', 'tool_timeout', 'Tool timed out'),
      toolStart('call_2', 'b'),
      toolFailed('call_2', 'b', 'user_denied', 'User denied execution'),
    ]);
    expect(chunks.filter((chunk) => chunk.type.startsWith('tool-output'))).toEqual([
      { type: 'tool-output-error', toolCallId: 'call_1', errorText: 'Tool timed out' },
      { type: 'tool-output-denied', toolCallId: 'call_2' },
    ]);
  });

  it('ends the response at an approval request and emits nothing after it', () => {
    let next = 0;
    const encoder = createUiMessageEncoder({ messageId: 'msg_1', createBlockId: () => `b${++next}` });
    const chunks = [
      toolStart('call_2', 'delete_file', { path: 'x' }),
      approvalRequest('call_2', 'delete_file', { path: 'x' }, 'n0nce'),
    ].flatMap((event) => encoder.encode(event));
    expect(chunks.slice(4)).toEqual([
      { type: 'tool-approval-request', approvalId: 'n0nce', toolCallId: 'call_2' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
    expect(encoder.ended).toBe(true);
    expect(encoder.encode(toolDone('call_2', 'delete_file', {}))).toEqual([]);
    expect(encoder.end('late')).toEqual([]);
  });

  it('goes on past an approval the run no longer waits for (a replay)', () => {
    const chunks = encodeAll(
      [
        toolStart('call_2', 'delete_file'),
        approvalRequest('call_2', 'delete_file', {}, 'n0nce'),
        toolDone('call_2', 'delete_file', { deleted: true }),
      ],
      { hasPendingAnswer: () => false },
    );
    expect(chunks.map((chunk) => chunk.type).slice(4)).toEqual([
      'tool-approval-request',
      'tool-output-available',
    ]);
  });

  it('announces the call of an approval request that came without its tool_call_start', () => {
    const chunks = encodeAll([approvalRequest('call_3', 'rm', { path: 'y' }, 'n1')]);
    expect(chunks.map((chunk) => chunk.type)).toEqual([
      'start',
      'start-step',
      'tool-input-start',
      'tool-input-available',
      'tool-approval-request',
      'finish-step',
      'finish',
    ]);
  });

  it('ends the response after the input of a client-side tool', () => {
    const chunks = encodeAll([
      text('Asking the browser.'),
      toolStart('call_4', 'get_location', {}, 'client'),
    ]);
    expect(chunks.slice(-5)).toEqual([
      { type: 'text-end', id: 'b1' },
      { type: 'tool-input-start', toolCallId: 'call_4', toolName: 'get_location' },
      { type: 'tool-input-available', toolCallId: 'call_4', toolName: 'get_location', input: {} },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'tool-calls' },
    ]);
  });

  it('puts the nonce and expiry of a client-side tool in its toolMetadata', () => {
    const call = { ...toolStart('call_4', 'geo', {}, 'client'), nonce: 'n4', expires_at: 1700 };
    expect(encodeAll([call])[3]).toEqual({
      type: 'tool-input-available',
      toolCallId: 'call_4',
      toolName: 'geo',
      input: {},
      toolMetadata: { nonce: 'n4', expiresAt: 1700 },
    });
  });

  it('continues a message with the outcomes of earlier calls before any step, as the AI SDK frames approved calls', () => {
    const chunks = encodeAll(
      [toolDone('call_2', 'delete_file', { deleted: true }), text('Done.'), complete()],
      {
        continuation: { announcedToolCallIds: ['call_2'] },
      },
    );
    expect(chunks.slice(0, 4)).toEqual([
      { type: 'start', messageId: 'msg_1' },
      { type: 'tool-output-available', toolCallId: 'call_2', output: { deleted: true } },
      { type: 'start-step' },
      { type: 'text-start', id: 'b1' },
    ]);
    expect(chunks.some((chunk) => chunk.type === 'tool-input-start')).toBe(false);
  });

  it('drops outputs of calls the client never saw, which would break its reducer', () => {
    const chunks = encodeAll([outputChunk('ghost', 'x', 'a', 1), toolDone('ghost', 'x', 1), text('Hi')]);
    expect(chunks.some((chunk) => chunk.type.startsWith('tool-'))).toBe(false);
  });

  it('closes open blocks on a retry, says so in a transient data chunk, and opens a new block after it', () => {
    const chunks = encodeAll([
      text('Par'),
      { type: 'stream_retry', attempt: 0, error: 'The upstream is overloaded.', code: 'upstream_overloaded' },
      text('Full answer'),
    ]);
    expect(chunks.slice(4)).toEqual([
      { type: 'text-end', id: 'b1' },
      {
        type: 'data-stream-retry',
        data: { attempt: 0, error: 'The upstream is overloaded.', code: 'upstream_overloaded' },
        transient: true,
      },
      { type: 'text-start', id: 'b2' },
      { type: 'text-delta', id: 'b2', delta: 'Full answer' },
    ]);
  });

  it('tells of a fallback model in a transient data chunk that clients without a handler ignore', () => {
    const chunks = encodeAll([
      { type: 'model_fallback', from: 'claude-sonnet-4-6', to: 'gpt-4o', reason: 'overloaded' },
      text('Answer'),
    ]);
    expect(chunks.find((chunk) => chunk.type === 'data-model-fallback')).toEqual({
      type: 'data-model-fallback',
      data: { from: 'claude-sonnet-4-6', to: 'gpt-4o', reason: 'overloaded' },
      transient: true,
    });
    expect(chunks.filter((chunk) => chunk.type === 'text-delta')).toEqual([
      { type: 'text-delta', id: 'b1', delta: 'Answer' },
    ]);
  });

  it('ends with a terminal error chunk for a failed run and with abort for a cancelled one', () => {
    const failed = encodeAll([
      text('a'),
      { type: 'error', error: 'Upstream rejected the key.', code: 'upstream_auth_failed' },
    ]);
    expect(failed.slice(-3)).toEqual([
      { type: 'text-end', id: 'b1' },
      { type: 'finish-step' },
      { type: 'error', errorText: 'Upstream rejected the key.' },
    ]);
    const cancelled = encodeAll([{ type: 'error', error: 'cancelled' }]);
    expect(cancelled).toEqual([
      { type: 'start', messageId: 'msg_1' },
      { type: 'abort', reason: 'cancelled' },
    ]);
  });

  it('aborts on end() when no terminal event came', () => {
    const encoder = createUiMessageEncoder({ messageId: 'msg_1', createBlockId: () => 'b' });
    encoder.encode(text('a'));
    expect(encoder.end('client went away')).toEqual([
      { type: 'text-end', id: 'b' },
      { type: 'finish-step' },
      { type: 'abort', reason: 'client went away' },
    ]);
  });

  it('sends no chunk for a heartbeat and no metadata for an empty usage', () => {
    expect(encodeAll([{ type: 'heartbeat', timestamp: 1 }])).toEqual([]);
    expect(encodeAll([text('stub'), { type: 'stream_complete', usage: {} }]).at(-1)).toEqual({
      type: 'finish',
      finishReason: 'stop',
    });
  });

  it('finishes with reason other when a limit stopped the run', () => {
    const chunks = encodeAll([{ type: 'max_turns_reached', turn_count: 11, max_turns: 10 }, complete()]);
    expect(chunks[1]).toEqual({
      type: 'data-max-turns-reached',
      data: { turnCount: 11, maxTurns: 10 },
      transient: true,
    });
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'other' });
  });
});
