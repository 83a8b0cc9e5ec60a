import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/** A `CONNECT` proxy on 127.0.0.1 and the tunnels it opened. */
export interface ConnectProxy {
  /** `http://127.0.0.1:<port>`: what `HTTPS_PROXY` / `HTTP_PROXY` name. */
  readonly url: string;
  /** The `host:port` of every tunnel opened, in order. */
  readonly tunnels: string[];
  /** Requests that came as plain proxy requests (absolute-form), not tunnels: refused with 405. */
  readonly refused: string[];
  /** Stops the proxy and cuts its tunnels; safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a tiny egress proxy that only tunnels: each `CONNECT host:port` opens a TCP connection
 * to the target and splices the two sockets, as a corporate proxy does for HTTPS. Anything else
 * is refused, so a test sees exactly which calls went through it.
 */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    refused.push(`${request.method ?? ''} ${request.url ?? ''}`);
    response.writeHead(405).end();
  });
  server.on('connect', (request: IncomingMessage, client: Socket, head: Buffer) => {
    const target = request.url ?? '';
    tunnels.push(target);
    const [host, port] = [
      target.slice(0, target.lastIndexOf(':')),
      Number(target.slice(target.lastIndexOf(':') + 1)),
    ];
    const upstream = connect({ host, port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    tunnels,
    refused,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return closing;
    },
  };
}
