import type { UIMessage } from 'ai';
import { describe, expect, it } from 'vitest';
import { encodeToSseBody, readWithAiSdk } from './__fixtures__/read-with-ai-sdk.js';
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

/*
 * Conformance: our SSE bytes go through the AI SDK 6 client's own code, `DefaultChatTransport`
 * (SSE parser and chunk schema: an unknown chunk throws) and `readUIMessageStream` (the reducer
 * `useChat` uses: a delta without its start or a tool chunk for an unknown call throws).
 * Every test asserts that neither reported an error, then what the final message holds.
 */

const messageId = 'msg_a1';
const user: UIMessage = {
  id: 'u1',
  role: 'user',
  parts: [{ type: 'text', text: 'Delete reports/old.csv please' }],
};

describe('UI message stream through the AI SDK 6 client', () => {
  it('gives a text part and the usage as message metadata', async () => {
    const reading = await readWithAiSdk(
      encodeToSseBody([text('Hello, '), text('world.'), complete()], { messageId }),
    );
    expect(reading.errors).toEqual([]);
    expect(reading.message).toMatchObject({
      id: messageId,
      role: 'assistant',
      metadata: { usage: { inputTokens: 812, outputTokens: 41, estimatedCost: 0.0031 } },
      parts: [{ type: 'step-start' }, { type: 'text', text: 'Hello, world.', state: 'done' }],
    });
  });

  it('gives reasoning then text as two finished parts', async () => {
    const reading = await readWithAiSdk(
      encodeToSseBody([thinking('Think'), thinking('ing.'), text('Answer.'), complete()], { messageId }),
    );
    expect(reading.errors).toEqual([]);
    expect(reading.message?.parts).toMatchObject([
      { type: 'step-start' },
      { type: 'reasoning', text: 'Thinking.', state: 'done' },
      { type: 'text', text: 'Answer.', state: 'done' },
    ]);
  });

  it('gives a server tool part with its output and the answer in the next step', async () => {
    const events = [
      thinking('Need the size.'),
      toolStart('call_1', 'stat_file', { path: 'reports/old.csv' }),
      toolDone('call_1', 'stat_file', { bytes: 120 }),
      text('The file is 120 bytes.'),
      complete(),
    ];
    const reading = await readWithAiSdk(encodeToSseBody(events, { messageId }));
    expect(reading.errors).toEqual([]);
    expect(reading.message?.parts).toMatchObject([
      { type: 'step-start' },
      { type: 'reasoning', text: 'Need the size.' },
      {
        type: 'tool-stat_file',
        toolCallId: 'call_1',
        state: 'output-available',
        input: { path: 'reports/old.csv' },
        output: { bytes: 120 },
      },
      { type: 'step-start' },
      { type: 'text', text: 'The file is 120 bytes.' },
    ]);
  });

  it('gives an MCP tool as a dynamic-tool part', async () => {
    const events = [
      toolStart('call_1', 'search_docs', { q: 'sse' }, 'docs'),
      toolDone('call_1', 'search_docs', ['a'], 'docs'),
      complete(),
    ];
    const reading = await readWithAiSdk(encodeToSseBody(events, { messageId }));
    expect(reading.errors).toEqual([]);
    expect(reading.message?.parts[1]).toMatchObject({
      type: 'dynamic-tool',
      toolName: 'search_docs',
      toolCallId: 'call_1',
      state: 'output-available',
      output: ['a'],
    });
  });

  it('shows streamed tool output as a preliminary output, replaced by the final one', async () => {
    const running = [
      toolStart('call_1', 'run_code', { code: 'print(1)' }),
      outputChunk('call_1', 'run_code', '1\n', 1),
    ];
    const partial = await readWithAiSdk(
      encodeToSseBody([...running, { type: 'error', error: 'cancelled' }], { messageId }),
    );
    expect(partial.errors).toEqual([]);
    expect(partial.message?.parts[1]).toMatchObject({
      state: 'output-available',
      output: '1\n',
      preliminary: true,
    });
    const done = await readWithAiSdk(
      encodeToSseBody([...running, toolDone('call_1', 'run_code', { exit: 0 }), complete()], { messageId }),
    );
    expect(done.errors).toEqual([]);
    expect(done.message?.parts[1]).toMatchObject({ state: 'output-available', output: { exit: 0 } });
    expect(done.message?.parts[1]).not.toHaveProperty('preliminary', true);
  });

  it('gives a failed tool call as an output-error part, not a stream error', async () => {
    const events = [
      toolStart('call_1', 'fetch_url', { url: 'x' }),
      toolFailed('call_1', 'fetch_url', 'tool_timeout', 'Tool timed out'),
      text('It timed out.'),
      complete(),
    ];
    const reading = await readWithAiSdk(encodeToSseBody(events, { messageId }));
    expect(reading.errors).toEqual([]);
    expect(reading.message?.parts[1]).toMatchObject({
      type: 'tool-fetch_url',
      state: 'output-error',
      errorText: 'Tool timed out',
    });
  });

  it('ends the response at an approval request with the part in approval-requested', async () => {
    const events = [
      toolStart('call_2', 'delete_file', { path: 'reports/old.csv' }),
      approvalRequest('call_2', 'delete_file', { path: 'reports/old.csv' }, 'appr_9'),
    ];
    const reading = await readWithAiSdk(encodeToSseBody(events, { messageId }));
    expect(reading.errors).toEqual([]);
    expect(reading.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    expect(reading.message?.parts[1]).toMatchObject({
      type: 'tool-delete_file',
      toolCallId: 'call_2',
      state: 'approval-requested',
      approval: { id: 'appr_9' },
    });
  });

  describe('a continuation after the approval (same message id)', () => {
    const answered = (approved: boolean): UIMessage => ({
      id: messageId,
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        {
          type: 'tool-delete_file',
          toolCallId: 'call_2',
          state: 'approval-responded',
          input: { path: 'reports/old.csv' },
          approval: { id: 'appr_9', approved },
        },
      ],
    });
    const continueWith = async (approved: boolean, events: Parameters<typeof encodeToSseBody>[0]) => {
      const message = answered(approved);
      const body = encodeToSseBody(events, { messageId, continuation: { announcedToolCallIds: ['call_2'] } });
      return readWithAiSdk(body, { messages: [user, message], message, messageId });
    };

    it('completes the approved call in the same message', async () => {
      const reading = await continueWith(true, [
        toolDone('call_2', 'delete_file', { deleted: true }),
        text('Deleted.'),
        complete(),
      ]);
      expect(reading.errors).toEqual([]);
      expect(reading.message?.id).toBe(messageId);
      expect(reading.message?.parts).toMatchObject([
        { type: 'step-start' },
        {
          type: 'tool-delete_file',
          toolCallId: 'call_2',
          state: 'output-available',
          output: { deleted: true },
          approval: { id: 'appr_9', approved: true },
        },
        // One step marker before the model's next words, as the AI SDK's own server frames it.
        { type: 'step-start' },
        { type: 'text', text: 'Deleted.' },
      ]);
    });

    it('does not announce the call again when the run re-emits its start (a takeover)', async () => {
      const events = [
        toolStart('call_2', 'delete_file', { path: 'reports/old.csv' }),
        toolDone('call_2', 'delete_file', { deleted: true }),
        complete(),
      ];
      const reading = await continueWith(true, events);
      expect(reading.errors).toEqual([]);
      const toolParts = reading.message?.parts.filter((part) => part.type === 'tool-delete_file');
      expect(toolParts).toMatchObject([
        { state: 'output-available', approval: { id: 'appr_9', approved: true } },
      ]);
    });

    it('marks a denied call output-denied', async () => {
      const reading = await continueWith(false, [
        toolFailed('call_2', 'delete_file', 'user_denied', 'User denied execution'),
        text('Kept it.'),
        complete(),
      ]);
      expect(reading.errors).toEqual([]);
      expect(reading.message?.parts[1]).toMatchObject({ toolCallId: 'call_2', state: 'output-denied' });
    });
  });

  it('hands a client-side tool call to the browser and ends the response', async () => {
    const reading = await readWithAiSdk(
      encodeToSseBody([text('Where are you?'), toolStart('call_4', 'get_location', {}, 'client')], {
        messageId,
      }),
    );
    expect(reading.errors).toEqual([]);
    expect(reading.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    expect(reading.message?.parts.at(-1)).toMatchObject({
      type: 'tool-get_location',
      toolCallId: 'call_4',
      state: 'input-available',
    });
  });

  it('passes a retry as a transient data chunk that is not stored in the message', async () => {
    const events = [
      text('Par'),
      { type: 'stream_retry', attempt: 0, error: 'The upstream is overloaded.' } as const,
      text('Answer.'),
      complete(),
    ];
    const reading = await readWithAiSdk(encodeToSseBody(events, { messageId }));
    expect(reading.errors).toEqual([]);
    expect(reading.chunks).toContainEqual({
      type: 'data-stream-retry',
      data: { attempt: 0, error: 'The upstream is overloaded.' },
      transient: true,
    });
    expect(reading.message?.parts.map((part) => part.type)).toEqual(['step-start', 'text', 'text']);
  });

  it('reports a failed run as the client error', async () => {
    const events = [
      text('Hi'),
      { type: 'error', error: 'Upstream rejected the key.', code: 'upstream_auth_failed' } as const,
    ];
    const reading = await readWithAiSdk(encodeToSseBody(events, { messageId }));
    expect(reading.errors).toHaveLength(1);
    expect(reading.errors[0]).toBeInstanceOf(Error);
    expect((reading.errors[0] as Error).message).toBe('Upstream rejected the key.');
    expect(reading.chunks.at(-1)).toEqual({ type: 'error', errorText: 'Upstream rejected the key.' });
  });

  it('passes a cancellation as abort, keeping what was streamed', async () => {
    const reading = await readWithAiSdk(
      encodeToSseBody([text('Partial'), { type: 'error', error: 'cancelled' }], { messageId }),
    );
    expect(reading.errors).toEqual([]);
    expect(reading.chunks.at(-1)).toEqual({ type: 'abort', reason: 'cancelled' });
    expect(reading.message?.parts[1]).toMatchObject({ type: 'text', text: 'Partial', state: 'done' });
  });

  it('ignores the keep-alive comments', async () => {
    const reading = await readWithAiSdk(
      encodeToSseBody(
        [{ type: 'heartbeat', timestamp: 1 }, text('ok'), { type: 'heartbeat', timestamp: 2 }, complete()],
        { messageId },
      ),
    );
    expect(reading.errors).toEqual([]);
    expect(reading.message?.parts[1]).toMatchObject({ type: 'text', text: 'ok' });
  });

  it('fails loudly on a chunk type the client does not know (the oracle can fail)', async () => {
    const body = `data: ${JSON.stringify({ type: 'start', messageId })}\n\ndata: ${JSON.stringify({ type: 'reset-step' })}\n\ndata: [DONE]\n\n`;
    const reading = await readWithAiSdk(body);
    expect(reading.errors).not.toEqual([]);
  });
});
