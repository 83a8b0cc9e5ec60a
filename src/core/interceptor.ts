/** Runtime policies that see every tool call before it runs. */

/** What an interceptor is told about a call. */
export interface InterceptContext {
  toolCallId: string;
  toolName: string;
  toolInput: Record<string, unknown>;
  sessionId: string;
}

/**
 * An interceptor's verdict. `deny` blocks the call (the model reads an error result), `warn`
 * lets it run and attaches the message, `allow` says nothing.
 */
export type InterceptDecision =
  { action: 'allow' } | { action: 'warn' | 'deny'; message?: string; code?: string };

/**
 * A runtime policy. When `critical` is true and `intercept` throws, the call is blocked (fail
 * closed); otherwise a throwing interceptor is skipped.
 */
export interface ToolInterceptor {
  readonly name?: string;
  readonly critical?: boolean;
  intercept(context: InterceptContext, signal: AbortSignal): InterceptDecision | Promise<InterceptDecision>;
}
