import type { GatewayEvent } from '../../core/events.js';
import type { InterceptContext, InterceptDecision, ToolInterceptor } from '../../core/interceptor.js';
import type { ToolErrorPayload } from '../../core/tool.js';
import type { Logger } from '../../core/logger.js';

/** Options of one interceptor pass over a tool call. */
export interface RunInterceptorsOptions {
  interceptors: readonly ToolInterceptor[];
  context: InterceptContext;
  signal: AbortSignal;
  /** Receives the `interceptor_decision` events (deny and warn). */
  emit: (event: GatewayEvent) => void;
  logger: Pick<Logger, 'warn'>;
}

/** The combined verdict: blocked with an error, or allowed with the warnings collected. */
export type InterceptorVerdict =
  { blocked: true; error: ToolErrorPayload } | { blocked: false; warnings: string[] };

/** Code of an interceptor decision that did not name one. */
export const DEFAULT_INTERCEPTOR_CODE = 'interceptor';
/** Code of the deny produced when a critical interceptor fails. */
export const INTERCEPTOR_ERROR_CODE = 'interceptor_error';

/**
 * Runs interceptors in order and stops at the first deny.
 *
 * Invariants: every deny and warn is announced with an `interceptor_decision` event before
 * the verdict is returned; a failing interceptor (throws, rejects or returns something that is
 * not a decision) is skipped with a log line, unless it is `critical`, in which case the call
 * is blocked with `interceptor_error` (fail closed: a broken safety check must not let the
 * tool through).
 */
export async function runInterceptors(options: RunInterceptorsOptions): Promise<InterceptorVerdict> {
  const { interceptors, context, signal, emit, logger } = options;
  const warnings: string[] = [];
  for (const [index, interceptor] of interceptors.entries()) {
    let decision: InterceptDecision;
    try {
      decision = parseDecision(await interceptor.intercept(context, signal));
    } catch (thrown) {
      const interceptorName = interceptor.name ?? `#${index}`;
      if (interceptor.critical === true) {
        logger.warn(`Critical interceptor ${interceptorName} failed; blocking tool call`, {
          toolName: context.toolName,
          error: thrown,
        });
        const message = `Safety check failed due to an internal error. Tool '${context.toolName}' was blocked.`;
        emitDecision(emit, context, 'deny', INTERCEPTOR_ERROR_CODE, message);
        return { blocked: true, error: { code: INTERCEPTOR_ERROR_CODE, message } };
      }
      logger.warn(`Interceptor ${interceptorName} failed; skipping it`, {
        toolName: context.toolName,
        error: thrown,
      });
      continue;
    }
    if (decision.action === 'allow') continue;
    const code = nonEmpty(decision.code) ?? DEFAULT_INTERCEPTOR_CODE;
    if (decision.action === 'deny') {
      const message =
        nonEmpty(decision.message) ?? `Tool '${context.toolName}' was blocked by a runtime policy`;
      emitDecision(emit, context, 'deny', code, message);
      return { blocked: true, error: { code, message } };
    }
    const message =
      nonEmpty(decision.message) ?? `Tool '${context.toolName}' triggered a runtime policy warning`;
    emitDecision(emit, context, 'warn', code, message);
    warnings.push(message);
  }
  return { blocked: false, warnings };
}

function emitDecision(
  emit: (event: GatewayEvent) => void,
  context: InterceptContext,
  action: 'deny' | 'warn',
  code: string,
  message: string,
): void {
  emit({
    type: 'interceptor_decision',
    tool_call_id: context.toolCallId,
    tool_name: context.toolName,
    action,
    code,
    message,
  });
}

/** Interceptors are user code: a malformed decision is treated like a failure, not trusted. */
function parseDecision(value: unknown): InterceptDecision {
  if (typeof value === 'object' && value !== null && 'action' in value) {
    const { action } = value;
    if (action === 'allow') return { action };
    if (action === 'warn' || action === 'deny') {
      const message = 'message' in value ? value.message : undefined;
      const code = 'code' in value ? value.code : undefined;
      if (
        (message === undefined || typeof message === 'string') &&
        (code === undefined || typeof code === 'string')
      ) {
        return {
          action,
          ...(message === undefined ? {} : { message }),
          ...(code === undefined ? {} : { code }),
        };
      }
    }
  }
  throw new TypeError(`Invalid interceptor decision: ${JSON.stringify(value) ?? String(value)}`);
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}
