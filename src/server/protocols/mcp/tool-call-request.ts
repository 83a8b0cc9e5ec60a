import { THREAD_ID_PATTERN } from '../../../core/thread-limits.js';

/** The longest `message` the agent's tool takes (as `toolInputSchema` says). */
export const MAX_TOOL_MESSAGE_LENGTH = 200_000;

/** A 2025-11-25 `tools/call` of the agent's tool, as far as the fast path needs it. */
export interface ToolCallRequest {
  /** The JSON-RPC id the result answers. */
  id: string | number;
  /** Where progress notifications go; undefined when the client asked for none. */
  progressToken: string | number | undefined;
  /** The tool's input. */
  input: { message: string; threadId: string | undefined };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What MCP takes for a request id or a progress token: a string or a whole number. */
const isStringOrInteger = (value: unknown): value is string | number =>
  typeof value === 'string' || Number.isInteger(value);

/**
 * Reads a JSON-RPC body as a call of the tool `toolName`: the envelope (`jsonrpc: "2.0"`, a string
 * or whole-number `id`, `method: "tools/call"`, `params.name`, optional object `params.arguments` and
 * `params._meta` with an optional string or whole-number `progressToken`) and the arguments as the
 * tool's input schema takes them (`message`: 1–200 000 characters; `thread_id`: optional, a thread
 * id). Undefined for anything else, which the SDK then answers with its own errors.
 *
 * Written by hand rather than with zod because it runs on every call: it accepts exactly what
 * the zod schemas of the envelope and of the tool's input accept (`tool-call-request.test.ts`
 * checks both on the same bodies), without building an error for what it refuses.
 */
export function parseToolCallRequest(body: unknown, toolName: string): ToolCallRequest | undefined {
  if (!isObject(body) || body['jsonrpc'] !== '2.0' || body['method'] !== 'tools/call') return undefined;
  const id = body['id'];
  const params = body['params'];
  if (!isStringOrInteger(id) || !isObject(params) || params['name'] !== toolName) return undefined;
  const meta = params['_meta'];
  if (meta !== undefined && !isObject(meta)) return undefined;
  const progressToken = meta?.['progressToken'];
  if (progressToken !== undefined && !isStringOrInteger(progressToken)) return undefined;
  const args = params['arguments'] === undefined ? {} : params['arguments'];
  if (!isObject(args)) return undefined;
  const message = args['message'];
  const threadId = args['thread_id'];
  if (typeof message !== 'string' || message.length < 1 || message.length > MAX_TOOL_MESSAGE_LENGTH) {
    return undefined;
  }
  if (threadId !== undefined && (typeof threadId !== 'string' || !THREAD_ID_PATTERN.test(threadId))) {
    return undefined;
  }
  return { id, progressToken, input: { message, threadId } };
}
