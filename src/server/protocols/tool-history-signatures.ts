import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LogEntry, ToolApprovalRequestEvent, ToolCallStartEvent } from '../../core/events.js';
import { canonicalJson } from '../contracts/canonical-json.js';

/*
 * The frontend protocols (`/ui/chat`, `/ag-ui`) take the whole history from the client, tool
 * calls and results included. The model must read only calls and results the gateway produced,
 * so the gateway signs each one it sends and a history's tool parts are checked against their
 * signature on the way back: the client keeps the signature with the part and sends it back
 * unchanged (`toolMetadata.gatewaySignature` for the AI SDK, `metadata.gatewaySignature` for
 * AG-UI). The key is derived from the session-token secret, which every instance of a
 * deployment shares; a signature names the session, so it is worth nothing in another one.
 */

/** The key under which a signature travels in the frontend protocols' metadata. */
export const SIGNATURE_FIELD = 'gatewaySignature';

/** Where a call runs: a client-side (frontend) tool's result is the client's own to give. */
export type ToolCallRunner = 'client' | 'server';

/** A tool call as the model made it. */
export interface SignedToolCall {
  toolCallId: string;
  toolName: string;
  input: unknown;
}

/** A call the gateway announced in a run, with where it runs. */
export interface AnnouncedToolCall extends SignedToolCall {
  runner: ToolCallRunner;
}

/**
 * What a signature found in a history vouches for: `result`, this call with exactly this
 * outcome; `client_call`, a call of a client-side tool (any outcome is the client's);
 * `server_call`, a call of a server tool, without its outcome.
 */
export type ToolCallProof = 'result' | 'client_call' | 'server_call';

/** Signs and checks the tool calls and results of one session. */
export interface SessionToolSignatures {
  /** The signature of a call the gateway announces to the client. */
  signCall(call: AnnouncedToolCall): string;
  /**
   * The signature of a server tool's call with its outcome, in the shape the protocol's
   * client sends it back (e.g. `{output}` for the AI SDK, `{content}` for AG-UI).
   */
  signResult(call: SignedToolCall, outcome: unknown): string;
  /** What `signature` proves about `call` and `outcome`; undefined when it proves nothing. */
  proofOf(call: SignedToolCall, outcome: unknown, signature: unknown): ToolCallProof | undefined;
}

/** Hands out the signatures of each session, all under one key. */
export interface ToolHistorySigner {
  forSession(sessionId: string): SessionToolSignatures;
}

/** Options of `createToolHistorySigner`. */
export interface ToolHistorySignerOptions {
  /** The gateway's session-token secret (`jwtSecret`); the signing key is derived from it. */
  secret: string;
}

const VERSION = 'v1';
/** Separates this key from the session tokens' one, though both come from the same secret. */
const KEY_LABEL = 'ai-agent-gateway tool history signature v1';

/**
 * Creates the signer of the frontend protocols' tool history: HMAC-SHA256 under a key derived
 * from `secret`, over the session id, tool call id, tool name, input and (for a result) the
 * outcome, each value as canonical JSON so a store that reorders keys changes nothing.
 * Signatures read `v1.<base64url>`; a comparison takes the same time whatever matches.
 */
export function createToolHistorySigner(options: ToolHistorySignerOptions): ToolHistorySigner {
  const key = createHmac('sha256', options.secret).update(KEY_LABEL).digest();
  const mac = (statement: readonly unknown[]): Buffer =>
    createHmac('sha256', key).update(canonicalJson(statement)).digest();
  const encode = (digest: Buffer): string => `${VERSION}.${digest.toString('base64url')}`;
  const decode = (signature: unknown): Buffer | undefined => {
    if (typeof signature !== 'string' || !signature.startsWith(`${VERSION}.`)) return undefined;
    const digest = Buffer.from(signature.slice(VERSION.length + 1), 'base64url');
    return digest.length === 32 ? digest : undefined;
  };

  return {
    forSession(sessionId) {
      const callStatement = (call: SignedToolCall, runner: ToolCallRunner) =>
        ['call', sessionId, call.toolCallId, call.toolName, call.input, runner] as const;
      const resultStatement = (call: SignedToolCall, outcome: unknown) =>
        ['result', sessionId, call.toolCallId, call.toolName, call.input, outcome] as const;
      return {
        signCall: (call) => encode(mac(callStatement(call, call.runner))),
        signResult: (call, outcome) => encode(mac(resultStatement(call, outcome))),
        proofOf(call, outcome, signature) {
          const digest = decode(signature);
          if (digest === undefined) return undefined;
          const matches = (statement: readonly unknown[]) => timingSafeEqual(digest, mac(statement));
          if (matches(resultStatement(call, outcome))) return 'result';
          if (matches(callStatement(call, 'client'))) return 'client_call';
          if (matches(callStatement(call, 'server'))) return 'server_call';
          return undefined;
        },
      };
    },
  };
}

/** The call a `tool_call_start` (or an approval request not preceded by one) announces. */
export function announcedCallOf(event: ToolCallStartEvent | ToolApprovalRequestEvent): AnnouncedToolCall {
  return {
    toolCallId: event.tool_call_id,
    toolName: event.tool_name,
    input: event.tool_input,
    runner: event.type === 'tool_call_start' && event.execution_location === 'client' ? 'client' : 'server',
  };
}

/** The calls a run's log announces (each id as first announced), to sign their outcomes later. */
export function announcedCallsOf(entries: readonly LogEntry[]): AnnouncedToolCall[] {
  const calls = new Map<string, AnnouncedToolCall>();
  for (const { event } of entries) {
    if (event.type !== 'tool_call_start' && event.type !== 'tool_approval_request') continue;
    if (!calls.has(event.tool_call_id)) calls.set(event.tool_call_id, announcedCallOf(event));
  }
  return [...calls.values()];
}
