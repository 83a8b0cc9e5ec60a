import type { ToolErrorPayload, ToolOutcome } from '../core/tool.js';

/** Message of the `cancelled` error, the same words the agent loop uses. */
export const CANCELLED_MESSAGE = 'Task was cancelled';

/**
 * Builds a failure outcome. Every refusal the dispatcher produces goes through here, so the
 * wire shape (`{ ok: false, error: { code, message }, server }`) is written once.
 */
export function toolFailure(code: string, message: string, server: string | null = null): ToolOutcome {
  return { ok: false, error: { code, message }, server };
}

/** The `cancelled` failure returned when the call's signal aborted. */
export function cancelledFailure(server: string | null = null): ToolOutcome {
  return toolFailure('cancelled', CANCELLED_MESSAGE, server);
}

/** Wraps an error payload (e.g. from an interceptor or the approval gate) as an outcome. */
export function failureFromPayload(error: ToolErrorPayload, server: string | null = null): ToolOutcome {
  return { ok: false, error, server };
}

/** A readable message for anything thrown (an `Error`'s message, otherwise its string form). */
export function describeThrown(thrown: unknown): string {
  if (thrown instanceof Error) return thrown.message || thrown.name;
  if (typeof thrown === 'string') return thrown;
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return String(thrown);
  }
}
