import { acceptedContent, SERVER_INFO_META_KEY } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { isHttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import type { LocatedRun } from '../../chat/session-runs.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import { streamToFrontend } from '../stream-to-frontend.js';
import { APPROVAL_KEY, approvalSchema, ownerBindingOf, pendingAnswerSchema } from './agent-mcp-server.js';
import { answerToolRun, startToolRun, type PendingAnswer } from './agent-tool-run.js';
import {
  approvalMessage,
  mcpCallFraming,
  toolResultFraming,
  type ApprovalEntry,
} from './mcp-call-framing.js';
import { mcpCallEventIdPrefix, mcpCallNotFound, type McpCallPosition } from './mcp-call-event-ids.js';
import type { ModernToolCallRequest } from './modern-tool-call-request.js';
import type { RequestStateSealer } from './request-state-seal.js';

/** Response headers of a call's event stream. */
const STREAM_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** The approval form as the SDK's `inputRequired.elicit` sends it (with its `$schema`). */
const requestedSchema = z.toJSONSchema(approvalSchema, { io: 'input' });

/** The `_meta` member every result carries: the server's name and version. */
const metaOf = (serverInfo: { name: string; version: string }): string =>
  `"_meta":{${JSON.stringify(SERVER_INFO_META_KEY)}:${JSON.stringify(serverInfo)}}`;

/** What serving one call needs. */
export interface ModernToolCallOptions {
  context: ProtocolRouteContext;
  session: SessionRecord;
  call: ModernToolCallRequest;
  /** Seals and opens request states as the SDK path's codec does (same key, same TTL). */
  sealer: RequestStateSealer<PendingAnswer>;
  /** The server's name and version, as every result's `_meta` carries them. */
  serverInfo: { name: string; version: string };
  request: Request;
}

/**
 * A 2026-07-28 `tools/call` of the agent's tool (`createModernToolCallRecognizer`) served from
 * the run's log as the 2025-11-25 fast path is (`mcp-call-framing.ts`), with what the SDK's
 * path answers: progress notifications, the result (`resultType` and the server's info in
 * `_meta`), an approval as an `input_required` result whose request state the SDK path's codec
 * verifies too, and a retry carrying that state answering the approval. Undefined for a retry
 * whose state this cannot open (expired, another owner's, malformed): the SDK answers it.
 */
export async function serveModernToolCall(options: ModernToolCallOptions): Promise<Response | undefined> {
  const { context, session, call } = options;
  const binding = ownerBindingOf(session);
  let waiting: PendingAnswer | undefined;
  if (call.retry !== undefined) {
    const parsed = pendingAnswerSchema.safeParse(options.sealer.open(call.retry.requestState, binding));
    if (!parsed.success) return undefined;
    waiting = parsed.data;
  }
  const result = toolResultFraming(call.id, `,"resultType":"complete",${metaOf(options.serverInfo)}`);
  let located: LocatedRun;
  let afterSeq = 0;
  try {
    if (waiting === undefined) {
      located = await startToolRun(context, session, call.input, { waitsInMemory: false });
    } else {
      const decision = acceptedContent(call.retry?.inputResponses, APPROVAL_KEY, approvalSchema);
      ({ located, afterSeq } = await answerToolRun(context, session, waiting, {
        approved: decision?.approved === true,
        alwaysAllow: decision?.always_allow === true,
      }));
    }
  } catch (error) {
    if (!isHttpError(error)) throw error;
    const body = error.body as Record<string, unknown>;
    const detail =
      typeof body['detail'] === 'string'
        ? body['detail']
        : typeof body['error'] === 'string'
          ? body['error']
          : error.message;
    return new Response(result(`The gateway refused the request (HTTP ${error.status}): ${detail}`, true), {
      headers: STREAM_HEADERS,
    });
  }
  return streamModernCall(options, located, {
    runId: located.runId,
    startSeq: afterSeq,
    callId: call.id,
    progressToken: call.progressToken,
    canElicit: call.canElicit,
    legacy: false,
  });
}

/** The call a resumed stream answers, and where it stood (`parseMcpCallEventId`). */
export interface ModernToolCallResumeOptions extends Omit<ModernToolCallOptions, 'call'> {
  position: McpCallPosition;
}

/**
 * A `GET /mcp` with the `Last-Event-ID` of a call's stream (`mcpCallEventIdPrefix`): the rest of
 * the call, served by whichever instance the client reached, from the run's shared log: the
 * events after that id, then the result (which folds the whole call, so nothing is lost or
 * repeated). 404 `mcp_call_not_found` when the run is no longer the session's.
 */
export async function resumeModernToolCall(options: ModernToolCallResumeOptions): Promise<Response> {
  const { position } = options;
  const located = await options.context.sessionRuns.locate(options.session.sessionId);
  if (located?.runId !== position.runId) return mcpCallNotFound(position.runId);
  return streamModernCall(options, located, position);
}

/** The stream of one call from `position.startSeq` (frames through `seq` left out when given). */
function streamModernCall(
  options: Omit<ModernToolCallOptions, 'call'>,
  located: LocatedRun,
  position: Omit<McpCallPosition, 'seq'> & { seq?: number },
): Response {
  const { context, session } = options;
  const binding = ownerBindingOf(session);
  const meta = metaOf(options.serverInfo);
  const result = toolResultFraming(position.callId, `,"resultType":"complete",${meta}`);
  const runId = located.runId;
  const cancel = (): void => void context.cancelRun(session).catch(() => undefined);
  return streamToFrontend(context, {
    located,
    afterSeq: position.startSeq,
    request: options.request,
    headers: STREAM_HEADERS,
    // In 2026-07-28 closing a call's stream is how its caller cancels it (no notifications/cancelled).
    onClientGone: cancel,
    framing: (onHold) =>
      mcpCallFraming({
        canElicit: position.canElicit,
        progressToken: position.progressToken,
        result,
        cancel,
        eventIds: {
          prefix: mcpCallEventIdPrefix(position),
          sentThrough: position.seq ?? position.startSeq,
        },
        askApproval: (entry: ApprovalEntry) => {
          onHold(entry);
          const { event } = entry;
          const state: PendingAnswer = {
            kind: 'approval',
            runId,
            toolCallId: event.tool_call_id,
            nonce: event.nonce ?? '',
            toolName: event.tool_name,
            input: event.tool_input,
            seq: entry.seq,
          };
          const message = {
            jsonrpc: '2.0',
            id: position.callId,
            result: {
              resultType: 'input_required',
              inputRequests: {
                [APPROVAL_KEY]: {
                  method: 'elicitation/create',
                  params: {
                    message: approvalMessage(event.tool_name, event.tool_input),
                    requestedSchema,
                    mode: 'form',
                  },
                },
              },
              requestState: options.sealer.seal(state, binding),
            },
          };
          const framed = JSON.stringify(message);
          // The result's `_meta` last, as the SDK adds it.
          return { text: `data: ${framed.slice(0, -2)},${meta}}}\n\n`, last: true };
        },
      }),
  });
}
