import { ANSWER_SURFACES, type AnswerSurface, type ApprovalAnswerer } from '../../core/approval.js';
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
  const answeredBy = parseAnswerer(payload['answeredBy']);
  const reason = payload['reason'];
  return {
    approved: payload['approved'],
    allowToolType: payload['allowToolType'] === true,
    ...(answeredBy === undefined ? {} : { answeredBy }),
    ...(typeof reason === 'string' && reason !== '' ? { reason } : {}),
  };
}

const optionalString = (value: unknown): value is string | undefined =>
  value === undefined || typeof value === 'string';

/** Narrows who answered an approval (absent, or not one: the run's own session answered). */
function parseAnswerer(value: unknown): ApprovalAnswerer | undefined {
  if (!isPlainObject(value)) return undefined;
  const { sessionId, apiKeyHash, user, principal, surface } = value;
  if (typeof sessionId !== 'string' || typeof apiKeyHash !== 'string' || !optionalString(user))
    return undefined;
  const answerer: ApprovalAnswerer = {
    sessionId,
    apiKeyHash,
    ...(user === undefined ? {} : { user }),
    ...(ANSWER_SURFACES.includes(surface as AnswerSurface) ? { surface: surface as AnswerSurface } : {}),
  };
  if (!isPlainObject(principal)) return answerer;
  const { issuer, tenant, subject } = principal;
  if (typeof issuer !== 'string' || typeof subject !== 'string' || !optionalString(tenant)) return answerer;
  return { ...answerer, principal: { issuer, subject, ...(tenant === undefined ? {} : { tenant }) } };
}

/** Narrows a bus payload to a `ClientToolResultMessage`; undefined when it is not one. */
export function parseClientToolResultMessage(payload: unknown): ClientToolResultMessage | undefined {
  if (!isPlainObject(payload)) return undefined;
  const { result, error } = payload;
  if (result !== null && !isPlainObject(result)) return undefined;
  if (error !== null && !isPlainObject(error)) return undefined;
  const answeredBy = parseAnswerer(payload['answeredBy']);
  return { result, error, ...(answeredBy === undefined ? {} : { answeredBy }) };
}
