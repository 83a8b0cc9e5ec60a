import {
  AbstractChat,
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type ChatState,
  type ChatStatus,
  type UIMessage,
} from 'ai';
import { describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../../../core/events.js';
import { encodeToSseBody } from './__fixtures__/read-with-ai-sdk.js';
import { approvalRequest, complete, text, toolDone, toolStart } from './__fixtures__/run-events.js';
import { createToolHistorySigner } from '../tool-history-signatures.js';
import { pendingAnswers, type UiPendingAnswers } from './pending-answers.js';
import { toGatewayHistory } from './to-gateway-history.js';
import { uiChatRequestSchema, type UiChatRequest } from './ui-chat-request.js';
import { UI_MESSAGE_STREAM_HEADERS } from './ui-message-sse.js';

/*
 * The whole two-request round trip with the AI SDK 6 `Chat` itself (what `useChat` wraps):
 * our response ends at the question, the real client records the user's answer and re-POSTs
 * on its own (`sendAutomaticallyWhen`), and our request parser reads that real body.
 */

class MemoryChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage): void => {
    this.messages = [...this.messages, message];
  };
  popMessage = (): void => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage): void => {
    this.messages = this.messages.map((existing, at) => (at === index ? message : existing));
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

class TestChat extends AbstractChat<UIMessage> {}

const signatures = createToolHistorySigner({ secret: 'test-secret' }).forSession('sess_1');

/** A fake route: answers each POST with the SSE body `respond` builds from the parsed request. */
function startChat(
  respond: (request: UiChatRequest, answers: UiPendingAnswers, index: number) => string,
  options: {
    sendAutomaticallyWhen: (options: { messages: UIMessage[] }) => boolean;
    onToolCall?: (chat: TestChat, toolCallId: string) => void;
  },
) {
  const requests: UiChatRequest[] = [];
  const errors: Error[] = [];
  let finished = 0;
  let onFinished: (() => void) | undefined;
  const transport = new DefaultChatTransport<UIMessage>({
    api: 'http://127.0.0.1:1/ui/chat',
    fetch: (_input, init) => {
      const request = uiChatRequestSchema.parse(
        JSON.parse(typeof init?.body === 'string' ? init.body : 'null'),
      );
      requests.push(request);
      const last = request.messages.at(-1);
      const body = respond(
        request,
        pendingAnswers(last?.role === 'assistant' ? last : undefined),
        requests.length - 1,
      );
      return Promise.resolve(new Response(body, { headers: { ...UI_MESSAGE_STREAM_HEADERS } }));
    },
  });
  const chat: TestChat = new TestChat({
    id: 'chat_7',
    transport,
    state: new MemoryChatState(),
    sendAutomaticallyWhen: options.sendAutomaticallyWhen,
    onError: (error) => errors.push(error),
    onFinish: () => {
      finished += 1;
      onFinished?.();
    },
    onToolCall: ({ toolCall }) => options.onToolCall?.(chat, toolCall.toolCallId),
  });
  const finishedTimes = (count: number): Promise<void> =>
    new Promise((resolve) => {
      onFinished = () => {
        if (finished >= count) resolve();
      };
      onFinished();
    });
  return { chat, requests, errors, finishedTimes };
}

const assistantIdOf = (request: UiChatRequest): string => request.messages.at(-1)?.id ?? '';

describe('a useChat round trip through the AI SDK 6 Chat', () => {
  it('asks for an approval, reads the approval in the next request, and continues the same message', async () => {
    const seen: UiPendingAnswers[] = [];
    const { chat, requests, errors, finishedTimes } = startChat(
      (request, answers, index) => {
        seen.push(answers);
        const first: GatewayEvent[] = [
          toolStart('call_2', 'delete_file', { path: 'reports/old.csv' }),
          approvalRequest('call_2', 'delete_file', { path: 'reports/old.csv' }, 'nonce_9'),
        ];
        if (index === 0) return encodeToSseBody(first, { messageId: 'msg_a1', signatures });
        return encodeToSseBody(
          [toolDone('call_2', 'delete_file', { deleted: true }), text('Deleted.'), complete()],
          {
            messageId: assistantIdOf(request),
            signatures,
            continuation: {
              announcedToolCallIds: ['call_2'],
              calls: [
                {
                  toolCallId: 'call_2',
                  toolName: 'delete_file',
                  input: { path: 'reports/old.csv' },
                  runner: 'server',
                },
              ],
            },
          },
        );
      },
      { sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses },
    );
    await chat.sendMessage({ text: 'Delete reports/old.csv please' });
    expect(chat.messages.at(-1)?.parts.at(-1)).toMatchObject({
      state: 'approval-requested',
      approval: { id: 'nonce_9' },
    });

    await chat.addToolApprovalResponse({ id: 'nonce_9', approved: true });
    await finishedTimes(2);

    expect(errors).toEqual([]);
    expect(requests).toHaveLength(2);
    expect(requests[1]).toMatchObject({ id: 'chat_7', trigger: 'submit-message', messageId: 'msg_a1' });
    expect(seen[1]?.approvals).toEqual([
      { approvalId: 'nonce_9', toolCallId: 'call_2', toolName: 'delete_file', approved: true },
    ]);
    expect(toGatewayHistory(requests[1]?.messages ?? [], signatures)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Delete reports/old.csv please' }] },
    ]);
    expect(chat.messages).toHaveLength(2);
    // The client keeps the signature of the call with its output, for the next request's history.
    const outputSignature = signatures.signResult(
      { toolCallId: 'call_2', toolName: 'delete_file', input: { path: 'reports/old.csv' } },
      { output: { deleted: true } },
    );
    expect(chat.messages[1]?.parts[1]).toMatchObject({ toolMetadata: { gatewaySignature: outputSignature } });
    expect(chat.messages[1]).toMatchObject({
      id: 'msg_a1',
      parts: [
        { type: 'step-start' },
        { type: 'tool-delete_file', state: 'output-available', output: { deleted: true } },
        { type: 'step-start' },
        { type: 'text', text: 'Deleted.' },
      ],
    });
  });

  it('hands a client-side tool to the browser and reads its output, with our nonce, in the next request', async () => {
    const seen: UiPendingAnswers[] = [];
    const clientCall: GatewayEvent = {
      ...toolStart('call_4', 'get_location', {}, 'client'),
      nonce: 'nonce_4',
      expires_at: 2_000_000_000,
    };
    const { chat, requests, errors, finishedTimes } = startChat(
      (request, answers, index) => {
        seen.push(answers);
        if (index === 0)
          return encodeToSseBody([text('Let me check.'), clientCall], { messageId: 'msg_b1', signatures });
        return encodeToSseBody(
          [toolDone('call_4', 'get_location', { city: 'Lyon' }), text('You are in Lyon.'), complete()],
          {
            messageId: assistantIdOf(request),
            signatures,
            continuation: { announcedToolCallIds: ['call_4'] },
          },
        );
      },
      {
        sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
        onToolCall: (chat, toolCallId) => {
          void chat.addToolOutput({ tool: 'get_location', toolCallId, output: { city: 'Lyon' } });
        },
      },
    );
    await chat.sendMessage({ text: 'Where am I?' });
    await finishedTimes(2);

    expect(errors).toEqual([]);
    expect(requests).toHaveLength(2);
    expect(seen[1]?.toolOutputs).toEqual([
      {
        toolCallId: 'call_4',
        toolName: 'get_location',
        nonce: 'nonce_4',
        ok: true,
        output: { city: 'Lyon' },
      },
    ]);
    expect(toGatewayHistory(requests[1]?.messages ?? [], signatures)).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Where am I?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'call_4', name: 'get_location', input: {} },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_4', content: '{"city":"Lyon"}' }] },
    ]);
    expect(chat.messages[1]?.parts.at(-1)).toMatchObject({ type: 'text', text: 'You are in Lyon.' });
  });
});
