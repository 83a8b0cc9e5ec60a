import type { ToolCallCompleteEvent } from '../../../core/events.js';
import type { AnnouncedToolCall, SessionToolSignatures } from '../tool-history-signatures.js';
import type { UiMessageChunk, UiToolMetadata } from './ui-message-chunks.js';

/** Builds one response's tool chunks, with the `toolMetadata` the gateway puts on them. */
export interface UiToolChunks {
  /**
   * `tool-input-start` and `tool-input-available` of a call, whose `toolMetadata` holds a
   * client-side call's nonce and expiry and the call's signature. Remembers the call, to sign
   * its outcome.
   */
  input(
    call: AnnouncedToolCall,
    event: { nonce?: string; expires_at?: number },
    extra: { dynamic?: true },
  ): UiMessageChunk[];
  /**
   * The chunk of a call's outcome: `tool-output-available`, `tool-output-error`, or
   * `tool-output-denied` for a denial. A server tool's output or error carries the signature
   * of the call with that outcome (`{output}` or `{errorText}`, as the client sends the part
   * back); a client-side call's outcome is the client's own and is not signed. A denial's chunk
   * carries no metadata in AI SDK 6: the call's own signature stays on the part.
   */
  outcome(event: ToolCallCompleteEvent): UiMessageChunk;
}

/**
 * Creates the tool chunk builder of one response. `calls` are the calls the run announced
 * before this response (a continuation's), as its log has them; without `signatures`
 * nothing is signed.
 */
export function createUiToolChunks(
  signatures: SessionToolSignatures | undefined,
  calls: Iterable<AnnouncedToolCall> = [],
): UiToolChunks {
  // eslint-disable-next-line gateway/churn-collections -- made per response
  const known = new Map<string, AnnouncedToolCall>();
  for (const call of calls) known.set(call.toolCallId, call);
  const signedResult = (toolCallId: string, outcome: unknown): { toolMetadata?: UiToolMetadata } => {
    const call = known.get(toolCallId);
    if (signatures === undefined || call?.runner !== 'server') return {};
    return { toolMetadata: { gatewaySignature: signatures.signResult(call, outcome) } };
  };
  return {
    input(call, event, extra) {
      if (!known.has(call.toolCallId)) known.set(call.toolCallId, call);
      const { toolCallId, toolName, input } = call;
      const toolMetadata: UiToolMetadata = {
        ...(event.nonce === undefined ? {} : { nonce: event.nonce }),
        ...(event.nonce === undefined || event.expires_at === undefined
          ? {}
          : { expiresAt: event.expires_at }),
        ...(signatures === undefined ? {} : { gatewaySignature: signatures.signCall(call) }),
      };
      const metadata = Object.keys(toolMetadata).length === 0 ? {} : { toolMetadata };
      return [
        { type: 'tool-input-start', toolCallId, toolName, ...extra, ...metadata },
        { type: 'tool-input-available', toolCallId, toolName, input, ...extra, ...metadata },
      ];
    },
    outcome(event) {
      const { tool_call_id: toolCallId, result: output, error } = event;
      if (error?.code === 'user_denied') return { type: 'tool-output-denied', toolCallId };
      if (error === null)
        return { type: 'tool-output-available', toolCallId, output, ...signedResult(toolCallId, { output }) };
      const errorText = error.message;
      return { type: 'tool-output-error', toolCallId, errorText, ...signedResult(toolCallId, { errorText }) };
    },
  };
}
