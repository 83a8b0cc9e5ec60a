import {
  classifyInboundRequest,
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  isJsonContentType,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { parseToolCallRequest, type ToolCallRequest } from './tool-call-request.js';

/** The stateless revision the fast path serves (the only modern one the SDK serves). */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';

/** A 2026-07-28 `tools/call` of the agent's tool, as far as the fast path needs it. */
export interface ModernToolCallRequest extends ToolCallRequest {
  /** Whether the request's envelope declares the elicitation capability. */
  canElicit: boolean;
  /** A retry answering an `input_required` result: the state it echoes and the answers. */
  retry: { requestState: string; inputResponses: Record<string, unknown> } | undefined;
}

/** Recognises the hot call in a request and its parsed body; undefined for anything else. */
export type ModernToolCallRecognizer = (request: Request, body: unknown) => ModernToolCallRequest | undefined;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const PARAM_KEYS = new Set(['name', 'arguments', '_meta', 'requestState', 'inputResponses']);
const META_KEYS: ReadonlySet<string> = new Set([
  'progressToken',
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
]);
const RESPONSE_KEYS = new Set(['action', 'content']);
/** Envelopes (client info and capabilities) whose verdict is kept; emptied when full. */
const MAX_ENVELOPES = 1_000;

const hasOnlyKeys = (record: Record<string, unknown>, allowed: ReadonlySet<string>): boolean => {
  for (const key in record) if (!allowed.has(key)) return false;
  return true;
};

const isIntegerOrString = (value: unknown): boolean => typeof value === 'string' || Number.isInteger(value);

/** Whether `inputResponses` is exactly one elicitation answer under `approval`, as ours are. */
function isApprovalAnswer(responses: Record<string, unknown>): boolean {
  let count = 0;
  for (const key in responses) {
    count += 1;
    if (key !== 'approval') return false;
  }
  const answer = responses['approval'];
  if (count !== 1 || !isObject(answer) || !hasOnlyKeys(answer, RESPONSE_KEYS)) return false;
  const action = answer['action'];
  if (action !== 'accept' && action !== 'decline' && action !== 'cancel') return false;
  const content = answer['content'];
  if (content === undefined) return true;
  if (!isObject(content)) return false;
  for (const key in content) if (typeof content[key] !== 'boolean') return false;
  return true;
}

/**
 * The recogniser of a 2026-07-28 `tools/call` of the tool `toolName` that the fast path may serve
 * exactly as the SDK's `createMcpHandler` would: a JSON `POST` accepting an event stream, whose
 * standard headers (`MCP-Protocol-Version`, `Mcp-Method`, `Mcp-Name`) name this revision, the
 * method and the tool verbatim; whose body `parseToolCallRequest` accepts, with integer or
 * string id and progress token; whose params carry nothing but the name, the arguments, the
 * envelope and (a retry) a request state with one approval answer; whose `_meta` is the
 * envelope (version, client info, capabilities) and a progress token. The envelope is judged
 * by the SDK's own classifier, once per distinct client info and capabilities.
 *
 * Conservative by design: anything else is undefined, and the SDK answers it (with its own
 * errors when it is wrong), so the fast path never answers what the SDK would refuse.
 */
export function createModernToolCallRecognizer(toolName: string): ModernToolCallRecognizer {
  const envelopes = new Map<string, boolean>();
  const isValidEnvelope = (meta: Record<string, unknown>): boolean => {
    const envelope: Record<string, unknown> = { [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION };
    if (meta[CLIENT_INFO_META_KEY] !== undefined) envelope[CLIENT_INFO_META_KEY] = meta[CLIENT_INFO_META_KEY];
    if (meta[CLIENT_CAPABILITIES_META_KEY] !== undefined) {
      envelope[CLIENT_CAPABILITIES_META_KEY] = meta[CLIENT_CAPABILITIES_META_KEY];
    }
    const key = JSON.stringify(envelope);
    let valid = envelopes.get(key);
    if (valid === undefined) {
      valid =
        classifyInboundRequest({
          httpMethod: 'POST',
          protocolVersionHeader: MODERN_PROTOCOL_VERSION,
          mcpMethodHeader: 'tools/call',
          mcpNameHeader: toolName,
          body: { jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: toolName, _meta: envelope } },
        }).kind === 'modern';
      if (envelopes.size >= MAX_ENVELOPES) envelopes.clear();
      envelopes.set(key, valid);
    }
    return valid;
  };
  // A name the SDK would decode from a Base64 sentinel is left to the SDK.
  const servable = !toolName.startsWith('=?');
  return (request, body) => {
    const headers = request.headers;
    if (
      !servable ||
      request.method !== 'POST' ||
      headers.get('mcp-protocol-version') !== MODERN_PROTOCOL_VERSION ||
      headers.get('mcp-method') !== 'tools/call' ||
      headers.get('mcp-name') !== toolName ||
      !isJsonContentType(headers.get('content-type') ?? '') ||
      headers.get('accept')?.includes('text/event-stream') !== true
    ) {
      return undefined;
    }
    const call = parseToolCallRequest(body, toolName);
    if (call === undefined || !isIntegerOrString(call.id)) return undefined;
    if (call.progressToken !== undefined && !isIntegerOrString(call.progressToken)) return undefined;
    // parseToolCallRequest checked that these are objects.
    const params = Reflect.get(body as object, 'params') as Record<string, unknown>;
    const meta = params['_meta'];
    if (!isObject(meta) || !hasOnlyKeys(params, PARAM_KEYS) || !hasOnlyKeys(meta, META_KEYS))
      return undefined;
    if (meta[PROTOCOL_VERSION_META_KEY] !== MODERN_PROTOCOL_VERSION || !isValidEnvelope(meta))
      return undefined;
    const requestState = params['requestState'];
    const inputResponses = params['inputResponses'];
    let retry: ModernToolCallRequest['retry'];
    if (requestState !== undefined || inputResponses !== undefined) {
      if (
        typeof requestState !== 'string' ||
        !isObject(inputResponses) ||
        !isApprovalAnswer(inputResponses)
      ) {
        return undefined;
      }
      retry = { requestState, inputResponses };
    }
    const capabilities = meta[CLIENT_CAPABILITIES_META_KEY];
    const canElicit = isObject(capabilities) && capabilities['elicitation'] !== undefined;
    return { ...call, canElicit, retry };
  };
}
