import {
  AbstractChat,
  DefaultChatTransport,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type ChatOnToolCallCallback,
  type ChatState,
  type ChatStatus,
  type UIMessage,
} from 'ai';

/** The state `useChat` would keep in React, kept in memory. */
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

/** The AI SDK 6 chat that `useChat` wraps, with no framework around it. */
export class UiChat extends AbstractChat<UIMessage> {}

/** A real AI SDK chat against a gateway's `/ui/chat`, counting finished responses. */
export interface UiChatClient {
  chat: UiChat;
  errors: Error[];
  /** Resolves once `count` responses have finished (in total, since the chat was made). */
  finishedTimes(count: number): Promise<void>;
  /** The parts of the last message. */
  lastParts(): UIMessage['parts'];
}

/** Options of `createUiChatClient`. */
export interface UiChatClientOptions {
  /** `http://127.0.0.1:<port>/api`; a function picks the instance per request. */
  baseUrl: string | (() => string);
  token: string;
  id?: string;
  onToolCall?: ChatOnToolCallCallback<UIMessage>;
  /** Receives data parts, transient ones included (`onData` of `useChat`). */
  onData?: (part: { type: string; data: unknown }) => void;
  /** Re-POST after approvals and client-side tool outputs (default true). */
  automatic?: boolean;
  /**
   * Send only the last message, `{ id, message }` (`prepareSendMessagesRequest`), for a chat
   * the gateway keeps.
   */
  lastMessageOnly?: boolean;
  /** The messages the chat starts from (`useChat({ messages })`). */
  messages?: UIMessage[];
}

/** Creates an AI SDK `Chat` with `DefaultChatTransport` pointed at the gateway. */
export function createUiChatClient(options: UiChatClientOptions): UiChatClient {
  const errors: Error[] = [];
  const { baseUrl } = options;
  const baseUrlOf = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
  let finished = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const chat: UiChat = new UiChat({
    id: options.id ?? 'chat_1',
    transport: new DefaultChatTransport<UIMessage>({
      api: '/ui/chat',
      headers: { Authorization: `Bearer ${options.token}` },
      // Each request goes to the instance `baseUrl` names at that moment.
      fetch: (input, init) =>
        globalThis.fetch(
          `${baseUrlOf()}${input instanceof Request ? new URL(input.url).pathname : input.toString()}`,
          init,
        ),
      ...(options.lastMessageOnly === true
        ? {
            prepareSendMessagesRequest: ({ id, messages, trigger }) => ({
              body: { id, message: messages.at(-1), trigger },
            }),
          }
        : {}),
    }),
    state: Object.assign(new MemoryChatState(), { messages: options.messages ?? [] }),
    ...(options.automatic === false
      ? {}
      : {
          sendAutomaticallyWhen: ({ messages }) =>
            lastAssistantMessageIsCompleteWithApprovalResponses({ messages }) ||
            lastAssistantMessageIsCompleteWithToolCalls({ messages }),
        }),
    ...(options.onToolCall === undefined ? {} : { onToolCall: options.onToolCall }),
    ...(options.onData === undefined ? {} : { onData: options.onData }),
    onError: (error) => errors.push(error),
    onFinish: () => {
      finished += 1;
      for (const waiter of waiters.filter((waiter) => finished >= waiter.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
  });
  return {
    chat,
    errors,
    finishedTimes: (count) =>
      finished >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    lastParts: () => chat.messages.at(-1)?.parts ?? [],
  };
}
