import { z } from 'zod';
import { multitaskSchema } from './multitask-option.js';
import type { Message } from '../../core/messages.js';
import { THREAD_ID_PATTERN } from '../../core/thread-limits.js';
import { isSessionOwnerId, SESSION_OWNER_PREFIX } from './session-owner.js';

/**
 * Request bodies of the four POST routes, with the wire protocol's field names and defaults. Unknown
 * fields are ignored so newer clients keep working.
 */

/** The longest reason an approver may give with an answer. */
export const MAX_APPROVAL_REASON_CHARS = 2_000;

/** Body of `POST /chat/init`. */
export const ChatInitBody = z.object({
  api_key: z.string().min(1),
  /**
   * The end user a server-side key acts for (opaque, at most 256 characters, no control
   * characters); only keys of `server.serverSideApiKeys` may send it.
   */
  user: z
    .string()
    .min(1)
    .max(256)
    .refine(
      (user) => [...user].every((character) => character >= ' ' && character !== '\u007f'),
      'must not contain control characters',
    )
    .refine(
      (user) => !isSessionOwnerId(user),
      `must not start with "${SESSION_OWNER_PREFIX}" (the ids of session owners)`,
    )
    .optional(),
});
/** Parsed body of `POST /chat/init`. */
export type ChatInitBody = z.output<typeof ChatInitBody>;

/** Body of `POST /chat/init` from a signed-in caller: the bearer token says who; `api_key` is ignored. */
export const ChatInitPrincipalBody = ChatInitBody.partial({ api_key: true });

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
  /**
   * Continues (or starts) a stored thread: `messages` then holds only the new message(s) and
   * the gateway prepends the thread's history. Needs `server.database`.
   */
  thread_id: z
    .string()
    .regex(THREAD_ID_PATTERN, 'must be 1 to 128 letters, digits, "_", "-", "." or ":"')
    .optional(),
  context: z.record(z.string(), z.unknown()).default({}),
  model: z.string().nullable().optional(),
  /** What to do while the session's run still works (default: `server.multitask`). */
  multitask: multitaskSchema.optional(),
});
/** Parsed body of `POST /chat`. */
export type ChatBody = z.output<typeof ChatBody>;

const isHistoryMessage = (value: unknown): value is Message => {
  if (typeof value !== 'object' || value === null) return false;
  const role: unknown = Reflect.get(value, 'role');
  const content: unknown = Reflect.get(value, 'content');
  return (role === 'user' || role === 'assistant') && (typeof content === 'string' || Array.isArray(content));
};

/**
 * A chat request as the gateway runs it and stores it with the run's lease: the native body,
 * plus, from the frontend adapters (`/ui/chat`, `/ag-ui`), the conversation already converted
 * to our history (tool calls and results, images), which then replaces `messages` as the
 * runner's input. `messages` stays a text-only view of it for transcripts and hooks. Never
 * parsed from a client: the adapters build it from what they validated.
 */
export const ChatRunRequest = ChatBody.extend({
  history: z.array(z.custom<Message>(isHistoryMessage)).min(1).optional(),
  /**
   * Client-side tools the frontend offers for this run only (AG-UI `RunAgentInput.tools`):
   * offered to the model like the agent's own client-side tools; a name the agent already
   * uses is left out (the agent's tool wins).
   */
  clientTools: z
    .array(
      z.object({
        name: z.string().min(1),
        description: z.string(),
        input_schema: z.record(z.string(), z.unknown()),
      }),
    )
    .optional(),
  /**
   * The stored thread this run continues: where its new messages go (`baseSeq`: the sequence
   * of the first of them) and how many messages of `history` the thread already holds
   * (`storedCount`), so that an instance taking the run over writes the same positions, and
   * the thread generation it read (`epoch`), so that its writes land only in that generation.
   */
  thread: z
    .object({
      id: z.string().min(1),
      baseSeq: z.number().int().min(0),
      storedCount: z.number().int().min(0),
      epoch: z.number().int().optional(),
    })
    .optional(),
  /**
   * The run's questions wait in memory, never suspended to the database: set by the frontend
   * adapters, whose clients answer within the run (`/ui/chat`, `/ag-ui`).
   */
  waitsInMemory: z.boolean().optional(),
  /**
   * A background run (`POST /runs`): it goes on without followers, so a client that followed
   * it and left does not cancel it after `disconnectGraceMs`, and its record is written before
   * the start is answered. Kept with the run's lease, so it holds on the instance that takes
   * the run over too.
   */
  detached: z.boolean().optional(),
  /** The run that this one's message cancelled (`multitask` `interrupt` or `rollback`). */
  interruptedRunId: z.string().optional(),
});
/** A parsed chat run request. */
export type ChatRunRequest = z.output<typeof ChatRunRequest>;

/** Body of `POST /chat/tool-approval`. */
export const ToolApprovalBody = z.object({
  tool_call_id: z.string(),
  nonce: z.string(),
  approved: z.boolean(),
  allow_tool_type: z.boolean().default(false),
  /** Why, in the answerer's words: with a denial, the model reads it. */
  reason: z.string().max(MAX_APPROVAL_REASON_CHARS).optional(),
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
