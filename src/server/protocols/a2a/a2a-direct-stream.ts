import { SendMessageRequest, SubscribeToTaskRequest } from '@a2a-js/sdk';
import { JsonRpcTransportHandler, type ServerCallContext } from '@a2a-js/sdk/server';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import type { Begun, GatewayA2aHandler } from './a2a-request-handler.js';
import { a2aFraming, taskFrame } from './a2a-framing.js';
import { streamToFrontend } from '../stream-to-frontend.js';
import { A2A_SSE_HEADERS, streamedError } from './a2a-sse.js';
import { isRecord } from './is-record.js';

/**
 * A 1.0 streaming method served from the run's log like the other protocols' streams (direct
 * writes, frames of one turn coalesced, slow clients dropped): the SDK parses the request and
 * its types serialise the events. Undefined for a request the SDK's transport should answer
 * (a malformed envelope gets the SDK's own error).
 */
export const streamDirectly = async (
  context: ProtocolRouteContext,
  handler: GatewayA2aHandler,
  body: Record<string, unknown>,
  callContext: ServerCallContext,
  request: Request,
): Promise<Response | undefined> => {
  const requestId = body['id'];
  const params = body['params'];
  if (
    body['jsonrpc'] !== '2.0' ||
    !(typeof requestId === 'string' || typeof requestId === 'number' || requestId === null) ||
    !isRecord(params)
  ) {
    return undefined;
  }
  let begun: Begun;
  try {
    begun =
      body['method'] === 'SendStreamingMessage'
        ? await handler.streamStart(SendMessageRequest.fromJSON(params), callContext)
        : await handler.subscribeStart(SubscribeToTaskRequest.fromJSON(params), callContext);
  } catch (error) {
    return streamedError({
      jsonrpc: '2.0',
      id: requestId,
      error: JsonRpcTransportHandler.mapToJSONRPCError(error),
    });
  }
  const first = begun.projection.task(begun.history);
  const located = begun.located;
  if (located === undefined || begun.projection.settled) {
    // Nothing will follow: the task as it stands, and the stream ends.
    handler.hold(begun);
    return new Response(taskFrame(requestId, first), { headers: A2A_SSE_HEADERS });
  }
  return streamToFrontend(context, {
    located,
    afterSeq: begun.afterSeq,
    request,
    framing: (onHold) => a2aFraming({ projection: begun.projection, requestId, first, onHold }),
    headers: A2A_SSE_HEADERS,
  });
};
