import { GatewayErrorCode, TOOL_FAILURE_CODES } from '../core/errors.js';
import { CLIENT_FAILURES } from './describe-failure-for-client.js';

/**
 * Every failure code the gateway writes itself: its error catalogue, what clients are told
 * about failed model calls, the codes of failed tool results, and `invalid_model`.
 */
const GATEWAY_FAILURE_CODES: ReadonlySet<string> = new Set([
  ...Object.values(GatewayErrorCode),
  ...Object.keys(CLIENT_FAILURES),
  ...TOOL_FAILURE_CODES,
  'invalid_model',
]);

/**
 * Whether `code` is one the gateway writes itself. Other codes in events came from a client (its
 * answer to a client-side tool) or a tool handler, are unbounded, and must not become a metric
 * label or a span's `error.type` as they are.
 */
export function isGatewayFailureCode(code: string): boolean {
  return GATEWAY_FAILURE_CODES.has(code);
}
