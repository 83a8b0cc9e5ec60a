import { CLIENT_FAILURES } from '../../agent/describe-failure-for-client.js';
import { GatewayErrorCode, TOOL_FAILURE_CODES } from '../../core/errors.js';

/** The label value of everything outside a label's closed set. */
export const OTHER_LABEL = 'other';

/**
 * Every failure code the gateway writes itself: its error catalogue, what clients are told
 * about failed model calls, the codes of failed tool results, and `invalid_model`.
 */
const GATEWAY_CODES: ReadonlySet<string> = new Set([
  ...Object.values(GatewayErrorCode),
  ...Object.keys(CLIENT_FAILURES),
  ...TOOL_FAILURE_CODES,
  'invalid_model',
]);

/**
 * A failure code as a metric label: the gateway's own codes as they are, any other (a
 * client's answer to a client-side tool, a tool handler's own code) `other`. Clients and the
 * model choose those freely, and each distinct label value is a series held until the process
 * ends.
 */
export function failureCodeLabel(code: string): string {
  return GATEWAY_CODES.has(code) ? code : OTHER_LABEL;
}

/**
 * A tool name as a metric label: the agent's own tools (`isAgentTool`) by name, anything else
 * (a name the model invented, a frontend tool a client offered for one run) `other`.
 */
export function toolLabel(name: string, isAgentTool: (name: string) => boolean): string {
  return isAgentTool(name) ? name : OTHER_LABEL;
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * An HTTP method as a metric label: the standard ones, anything else `other` (Node's parser
 * knows a fixed list, but an app mounted through `fetch` elsewhere may be handed any token).
 */
export function methodLabelOf(method: string): string {
  return METHODS.has(method) ? method : OTHER_LABEL;
}
