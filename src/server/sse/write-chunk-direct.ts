import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';

/**
 * The fields of Node's `OutgoingMessage` (and its socket) that tell whether a chunk may bypass
 * it. Long-standing internals (Node 18 to 24), read only: a missing one reads as "no".
 */
interface NodeResponseState {
  readonly _headerSent?: boolean;
  readonly _hasBody?: boolean;
  readonly outputData?: readonly unknown[];
}

interface NodeSocketState {
  readonly _httpMessage?: unknown;
}

/**
 * Writes one body chunk of a chunked response straight to its socket, framed as Node frames it
 * (`<byte length in hex>\r\n<chunk>\r\n`) but as one socket write, where `res.write` makes four
 * corked ones and a `writev` of them on the next tick. Returns false, writing nothing, whenever
 * Node must write the chunk itself for it to keep its order and meaning: the head not sent yet,
 * a body Node still buffers, a response that is not chunked or has no body (`HEAD`), one that
 * finished or was destroyed, or a socket that is not this response's (a pipelined request) or
 * not writable. Node counts what the socket holds in the response's `writableLength`, as for its
 * own writes.
 */
export function writeChunkDirect(response: ServerResponse, chunk: string): boolean {
  const socket: (Socket & NodeSocketState) | null = response.socket;
  const state = response as ServerResponse & NodeResponseState;
  if (
    socket === null ||
    socket._httpMessage !== response ||
    !socket.writable ||
    response.writableEnded ||
    response.destroyed ||
    !response.chunkedEncoding ||
    state._headerSent !== true ||
    state._hasBody !== true ||
    state.outputData?.length !== 0
  ) {
    return false;
  }
  socket.write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
  return true;
}
