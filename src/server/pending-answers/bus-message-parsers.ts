import type { ApprovalDecisionMessage, ClientToolResultMessage } from '../../core/stores.js';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Narrows a bus payload to an `ApprovalDecisionMessage`; undefined when it is not one. Bus
 * payloads may come from another process, so they are checked like any other input.
 */
export function parseApprovalDecisionMessage(payload: unknown): ApprovalDecisionMessage | undefined {
  if (!isPlainObject(payload) || typeof payload['approved'] !== 'boolean') return undefined;
  return { approved: payload['approved'], allowToolType: payload['allowToolType'] === true };
}

/** Narrows a bus payload to a `ClientToolResultMessage`; undefined when it is not one. */
export function parseClientToolResultMessage(payload: unknown): ClientToolResultMessage | undefined {
  if (!isPlainObject(payload)) return undefined;
  const { result, error } = payload;
  if (result !== null && !isPlainObject(result)) return undefined;
  if (error !== null && !isPlainObject(error)) return undefined;
  return { result, error };
}
