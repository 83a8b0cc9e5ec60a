import type { Logger } from '../../core/logger.js';
import { ToolError } from '../../core/tool.js';
import { ExecutionCancelledError } from './backends/execution-backend.js';

/**
 * What clients read when a backend fails to run the code. The failure's own text (a CLI's
 * stderr, a socket path, an image name, a file system error) describes the host, so it goes to
 * the gateway log only, and the model and the client get this fixed sentence.
 */
export const BACKEND_ERROR_MESSAGE =
  'The code execution backend failed to run the code. The details are in the gateway log.';

/** Stable code of `BACKEND_ERROR_MESSAGE`. */
export const BACKEND_ERROR_CODE = 'backend_error';

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Turns what a run threw into what the client may see: a `ToolError` of ours (its message is
 * ours too) and a cancellation pass through; anything else is logged with its detail and becomes
 * `backend_error` with the fixed sentence.
 */
export function toClientFailure(
  error: unknown,
  logger: Logger,
  context: { sessionId: string; toolCallId?: string; taskId?: string },
): ToolError | ExecutionCancelledError {
  if (error instanceof ToolError || error instanceof ExecutionCancelledError) return error;
  logger.warn('code execution failed', { ...context, error: describe(error) });
  return new ToolError(BACKEND_ERROR_CODE, BACKEND_ERROR_MESSAGE, { cause: error });
}
