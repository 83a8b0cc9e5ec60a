import { Chat } from '@ai-sdk/react';
import {
  DefaultChatTransport,
  type ChatOnFinishCallback,
  lastAssistantMessageIsCompleteWithApprovalResponses,
  lastAssistantMessageIsCompleteWithToolCalls,
  type UIMessage,
} from 'ai';
import { z } from 'zod';
import { cancelRun } from './gateway-session.js';

/**
 * What the gateway puts in an assistant message's `metadata` (on the `finish` chunk): the run's
 * token counts and estimated cost. The stub reply (no API key) sends none.
 */
export const gatewayMetadataSchema = z.object({
  usage: z
    .object({
      inputTokens: z.number(),
      outputTokens: z.number(),
      cacheReadInputTokens: z.number(),
      cacheCreationInputTokens: z.number(),
      /** US dollars, rounded to 4 decimal places. */
      estimatedCost: z.number(),
    })
    .optional(),
});

/** The metadata of a gateway message. */
export type GatewayMessageMetadata = z.infer<typeof gatewayMetadataSchema>;

/** A chat message as the page keeps it. */
export type GatewayMessage = UIMessage<GatewayMessageMetadata>;

/** The output of the client-side tool `get_browser_time` (declared in ../../agent.ts). */
export function browserTime(now = new Date()): { iso: string; local: string; timeZone: string } {
  return {
    iso: now.toISOString(),
    local: now.toString(),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}

/** Options of `createGatewayChat`. */
export interface GatewayChatOptions {
  /** Where the gateway's routes are: `/api` behind the Vite proxy, or an absolute URL. */
  apiBase: string;
  /** The session token from `POST {apiBase}/chat/init`. */
  token: string;
  /** The chat id (kept across reloads, so that `resume` finds the same chat). */
  id: string;
  /** Messages to start from (e.g. restored after a reload). */
  messages?: GatewayMessage[];
  /**
   * The gateway keeps the chat (`server.database`): send only the new message (and `trigger`,
   * so that `regenerate()` replaces the kept answer), as the AI SDK's message persistence does.
   */
  sendLastMessageOnly?: boolean;
  /** Called as each response ends (an approval or a client-side tool ends one too). */
  onFinish?: ChatOnFinishCallback<GatewayMessage>;
}

/** The chat of the page, with the two actions that need more than `useChat`: approve and stop. */
export interface GatewayChat {
  /** Hand it to `useChat({ chat, resume: true })`. */
  chat: Chat<GatewayMessage>;
  /**
   * Answers the approval `id` (`part.approval.id`). `always: true` also approves that tool for
   * the rest of the session ("Always allow"): the request that carries the answers sends
   * `metadata.alwaysAllow` with the ids chosen so, whichever answer triggered it.
   */
  answerApproval(id: string, approved: boolean, options?: { always?: boolean }): Promise<void>;
  /**
   * The Stop button: cancels the session's run on the server (`POST /chat/cancel`) and closes
   * the response. `chat.stop()` alone only disconnects, and the run would go on without it.
   * Resolves `false` when no run was active.
   */
  stop(): Promise<boolean>;
}

/**
 * The AI SDK `Chat` the page hands to `useChat({ chat, resume: true })`, wired to the gateway:
 * `DefaultChatTransport` on `POST {apiBase}/ui/chat` with the session token, usage metadata
 * checked by `gatewayMetadataSchema`, `get_browser_time` answered in the browser, and the
 * messages sent back on their own once every approval and client-side tool call is answered.
 */
export function createGatewayChat(options: GatewayChatOptions): GatewayChat {
  const alwaysAllow = new Set<string>();
  const chat: Chat<GatewayMessage> = new Chat<GatewayMessage>({
    id: options.id,
    ...(options.messages === undefined ? {} : { messages: options.messages }),
    ...(options.onFinish === undefined ? {} : { onFinish: options.onFinish }),
    transport: new DefaultChatTransport({
      api: `${options.apiBase}/ui/chat`, // resume: GET {api}/{id}/stream
      headers: () => ({ Authorization: `Bearer ${options.token}` }),
      body: () => (alwaysAllow.size === 0 ? {} : { metadata: { alwaysAllow: [...alwaysAllow] } }),
      ...(options.sendLastMessageOnly === true
        ? {
            prepareSendMessagesRequest: ({ id, messages, trigger, body }) => ({
              body: { ...body, id, message: messages.at(-1), trigger },
            }),
          }
        : {}),
    }),
    messageMetadataSchema: gatewayMetadataSchema,
    // Server tools arrive here too: answer only the one the browser runs. Not awaited: the
    // output is sent once the stream that announced the call has ended.
    onToolCall: ({ toolCall }) => {
      if (toolCall.toolName !== 'get_browser_time') return;
      void chat.addToolOutput({
        tool: 'get_browser_time',
        toolCallId: toolCall.toolCallId,
        output: browserTime(),
      });
    },
    sendAutomaticallyWhen: ({ messages }) =>
      lastAssistantMessageIsCompleteWithApprovalResponses({ messages }) ||
      lastAssistantMessageIsCompleteWithToolCalls({ messages }),
  });
  return {
    chat,
    answerApproval: async (id, approved, answerOptions = {}) => {
      if (approved && answerOptions.always === true) alwaysAllow.add(id);
      await chat.addToolApprovalResponse({ id, approved });
    },
    stop: async () => {
      const [cancelled] = await Promise.all([cancelRun(options.apiBase, options.token), chat.stop()]);
      return cancelled;
    },
  };
}
