import { z } from 'zod';
import { multitaskSchema } from '../../contracts/multitask-option.js';

/*
 * The body `useChat` (`DefaultChatTransport`, AI SDK 5, 6 and 7) POSTs: `{...body, id,
 * messages, trigger, messageId}`. Objects are loose because the client adds fields over
 * versions (`providerMetadata`, `title`, `toolMetadata`…); only the fields read here are
 * checked. Nothing in it is trusted for a decision: the history is the client's copy, and an
 * approval or tool output found in it is only a claim the route checks against its own store.
 */

/** The states a tool part moves through (AI SDK 6 `UIToolInvocation`). */
export const uiToolStateSchema = z.enum([
  'input-streaming',
  'input-available',
  'approval-requested',
  'approval-responded',
  'output-available',
  'output-error',
  'output-denied',
]);

const approvalSchema = z.looseObject({
  id: z.string().min(1),
  approved: z.boolean().optional(),
  reason: z.string().optional(),
});

const toolFields = {
  toolCallId: z.string().min(1),
  state: uiToolStateSchema,
  input: z.unknown().optional(),
  output: z.unknown().optional(),
  errorText: z.string().optional(),
  approval: approvalSchema.optional(),
  providerExecuted: z.boolean().optional(),
  preliminary: z.boolean().optional(),
  /** What the gateway put on the call (`nonce`, `expiresAt` of a client-side tool). */
  toolMetadata: z.record(z.string(), z.unknown()).optional(),
};

/** A static tool part, `tool-<name>`. */
export const uiStaticToolPartSchema = z.looseObject({
  type: z.templateLiteral(['tool-', z.string().min(1)]),
  ...toolFields,
});

/** A dynamic tool part (MCP tools), named by `toolName`. */
export const uiDynamicToolPartSchema = z.looseObject({
  type: z.literal('dynamic-tool'),
  toolName: z.string().min(1),
  ...toolFields,
});

/** One part of a `UIMessage` as the gateway reads it. */
export const uiMessagePartSchema = z.union([
  z.looseObject({ type: z.literal('text'), text: z.string() }),
  z.looseObject({ type: z.literal('reasoning'), text: z.string() }),
  z.looseObject({
    type: z.literal('file'),
    mediaType: z.string().min(1),
    url: z.string().min(1),
    filename: z.string().optional(),
  }),
  z.looseObject({ type: z.literal('step-start') }),
  uiDynamicToolPartSchema,
  uiStaticToolPartSchema,
  // Kept by the client, never sent to the model.
  z.looseObject({ type: z.enum(['source-url', 'source-document']) }),
  z.looseObject({ type: z.templateLiteral(['data-', z.string().min(1)]), data: z.unknown() }),
]);

/** A `UIMessage` (`{id, role, metadata?, parts}`). */
export const uiMessageSchema = z.looseObject({
  id: z.string(),
  role: z.enum(['system', 'user', 'assistant']),
  metadata: z.unknown().optional(),
  parts: z.array(uiMessagePartSchema),
});

/**
 * The body of `POST {prefix}/ui/chat`. A client that keeps its chats on the gateway (a
 * `prepareSendMessagesRequest` that sends only the last message) may send `message` instead
 * of `messages`; it is read as a one-message `messages`.
 */
export const uiChatRequestSchema = z
  .looseObject({
    /** The chat id (`useChat({ id })`); with `server.database`, the stored thread's id. */
    id: z.string().min(1),
    messages: z.array(uiMessageSchema).min(1).optional(),
    message: uiMessageSchema.optional(),
    trigger: z.enum(['submit-message', 'regenerate-message']).default('submit-message'),
    /** The message regenerated or continued; left out by the client when undefined. */
    messageId: z.string().min(1).optional(),
    /**
     * What to do when the chat's run still works (`useChat`'s request `body` field, default
     * `server.multitask`): see `multitaskSchema`.
     */
    multitask: multitaskSchema.optional(),
  })
  .refine((body) => body.messages !== undefined || body.message !== undefined, {
    message: 'Send messages (the chat) or message (its new message)',
    path: ['messages'],
  })
  .transform(({ message, messages, ...rest }) => ({
    ...rest,
    messages: messages ?? (message === undefined ? [] : [message]),
  }));

/** A parsed `UIMessage` part. */
export type UiMessagePart = z.output<typeof uiMessagePartSchema>;

/** A parsed tool part, static or dynamic. */
export type UiToolPart = z.output<typeof uiStaticToolPartSchema> | z.output<typeof uiDynamicToolPartSchema>;

/** A parsed `UIMessage`. */
export type UiMessage = z.output<typeof uiMessageSchema>;

/** A parsed `useChat` request body. */
export type UiChatRequest = z.output<typeof uiChatRequestSchema>;

/** Whether a part is a tool part (`tool-<name>` or `dynamic-tool`). */
export function isUiToolPart(part: UiMessagePart): part is UiToolPart {
  return part.type === 'dynamic-tool' || part.type.startsWith('tool-');
}

/** The tool name of a tool part. */
export function toolNameOf(part: UiToolPart): string {
  return part.type === 'dynamic-tool' ? part.toolName : part.type.slice('tool-'.length);
}
