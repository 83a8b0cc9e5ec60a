import { isGatewayFailureCode } from '../../agent/gateway-failure-codes.js';

/** The label value of everything outside a label's closed set. */
export const OTHER_LABEL = 'other';

/**
 * A failure code as a metric label: the gateway's own codes as they are, any other (a
 * client's answer to a client-side tool, a tool handler's own code) `other`. Clients and the
 * model choose those freely, and each distinct label value is a series held until the process
 * ends.
 */
export function failureCodeLabel(code: string): string {
  return isGatewayFailureCode(code) ? code : OTHER_LABEL;
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

/** A label whose first `max` distinct values are kept as they are, and every later one `other`. */
export interface LabelCap {
  labelOf(value: string): string;
}

/**
 * Caps a label whose values come from configuration or identity (tenants, model names) rather
 * than a closed list: the first `max` distinct values seen keep their own series, later ones
 * share `other`, so the series a process holds stay bounded whatever callers arrive.
 */
export function createLabelCap(max: number): LabelCap {
  const kept = new Set<string>();
  return {
    labelOf(value) {
      if (kept.has(value)) return value;
      if (kept.size >= max || value === OTHER_LABEL) return OTHER_LABEL;
      kept.add(value);
      return value;
    },
  };
}
