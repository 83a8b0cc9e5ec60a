import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** A server on 127.0.0.1 for the transport's tests, and what it saw. */
export interface TestServer {
  readonly url: URL;
  /** Connections accepted, in order. */
  readonly sockets: Socket[];
  close(): Promise<void>;
}

async function listen(server: Server, protocol: string): Promise<{ url: URL; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  server.on('connection', (socket: Socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: new URL(`${protocol}//127.0.0.1:${port}/v1/messages?beta=true`), sockets };
}

const closeServer = (server: Server, sockets: Socket[]) => (): Promise<void> => {
  for (const socket of sockets) socket.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
};

/** A `node:http` server answering with `listener`. */
export async function startHttpServer(listener: RequestListener): Promise<TestServer> {
  const server = createHttpServer(listener);
  const { url, sockets } = await listen(server, 'http:');
  return { url, sockets, close: closeServer(server, sockets) };
}

/** What a raw server does with each complete request of a connection (`index`: its place on the connection). */
export type RawHandler = (socket: Socket, request: string, index: number) => void;

/**
 * A raw `net` server: `handler` gets each complete request (head and `Content-Length` body) a
 * connection carries, with its index on that connection, and writes whatever bytes it likes.
 */
export async function startRawServer(handler: RawHandler): Promise<TestServer & { requests: string[] }> {
  const requests: string[] = [];
  const server = createNetServer((socket) => {
    let buffered = '';
    let index = 0;
    socket.setEncoding('latin1');
    socket.on('error', () => undefined);
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = Number(/content-length: *(\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        requests.push(request);
        handler(socket, request, index);
        index += 1;
      }
    });
  });
  const { url, sockets } = await listen(server, 'http:');
  return { url, sockets, requests, close: closeServer(server, sockets) };
}

/** Writes `bytes` one byte per write, each on its own turn of the event loop, then `done`. */
export function writeByteByByte(socket: Socket, bytes: Buffer, done?: () => void): void {
  let at = 0;
  const next = (): void => {
    if (socket.destroyed) return;
    if (at >= bytes.length) {
      done?.();
      return;
    }
    socket.write(bytes.subarray(at, at + 1), () => setImmediate(next));
    at += 1;
  };
  next();
}
