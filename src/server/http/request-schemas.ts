import { z } from 'zod';

/**
 * Request bodies of the four POST routes, with the original's field names and defaults. Unknown
 * fields are ignored (as the original did), so newer clients keep working.
 */

/** Body of `POST /chat/init`. */
export const ChatInitBody = z.object({
  api_key: z.string().min(1),
});
/** Parsed body of `POST /chat/init`. */
export type ChatInitBody = z.output<typeof ChatInitBody>;

/**
 * One chat message as a client sends it: plain text content only. The roles are the two every
 * provider accepts in a conversation; the system prompt is the deployment's, never a client's.
 */
export const ChatMessageBody = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.string(),
});
/** Parsed chat message. */
export type ChatMessageBody = z.output<typeof ChatMessageBody>;

/** Body of `POST /chat`. */
export const ChatBody = z.object({
  messages: z.array(ChatMessageBody).min(1),
  context: z.record(z.string(), z.unknown()).default({}),
  model: z.string().nullable().optional(),
});
/** Parsed body of `POST /chat`. */
export type ChatBody = z.output<typeof ChatBody>;

/** Body of `POST /chat/tool-approval`. */
export const ToolApprovalBody = z.object({
  tool_call_id: z.string(),
  nonce: z.string(),
  approved: z.boolean(),
  allow_tool_type: z.boolean().default(false),
});
/** Parsed body of `POST /chat/tool-approval`. */
export type ToolApprovalBody = z.output<typeof ToolApprovalBody>;

/** Body of `POST /chat/tool-result`; an omitted `result` or `error` means null. */
export const ToolResultBody = z.object({
  tool_call_id: z.string(),
  nonce: z.string(),
  result: z.record(z.string(), z.unknown()).nullable().default(null),
  error: z.record(z.string(), z.unknown()).nullable().default(null),
});
/** Parsed body of `POST /chat/tool-result`. */
export type ToolResultBody = z.output<typeof ToolResultBody>;
