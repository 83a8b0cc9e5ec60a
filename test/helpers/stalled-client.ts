import { connect } from 'node:net';

/** A raw client that sent its request, took the first chunk of the answer, then read nothing. */
export interface StalledClient {
  /** Resumes reading: resolves with the last text that reached it once its connection closed. */
  rest(): Promise<string>;
  /** Closes its connection; idempotent. */
  destroy(): void;
}

/** How much of the answer a stalled client keeps (the end: where a run's last event is). */
const KEPT_CHARACTERS = 4096;

/**
 * Sends `request` on a raw socket to 127.0.0.1:`port` and reads nothing after the first chunk
 * of the answer: a client that stalled. `signal` closes the socket (connecting or stalled).
 */
export function stalledClient(port: number, request: string, signal?: AbortSignal): Promise<StalledClient> {
  return new Promise((resolveClient, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const destroy = (): void => void socket.destroy();
    signal?.addEventListener('abort', destroy, { once: true });
    const closed = new Promise<void>((done) =>
      socket.once('close', () => {
        signal?.removeEventListener('abort', destroy);
        done();
      }),
    );
    socket.setEncoding('utf8');
    socket.once('data', (first: string) => {
      text = first;
      socket.pause();
      socket.on('data', (more: string) => (text = (text + more).slice(-KEPT_CHARACTERS)));
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolveClient({
        async rest() {
          socket.resume();
          await closed;
          return text;
        },
        destroy,
      });
    });
    socket.on('error', reject);
    socket.once('close', () => reject(new Error('the connection closed before any answer')));
  });
}

/**
 * A run's stalled followers at a gateway on 127.0.0.1:`port` whose routes are under `/api`: the
 * run's own `POST /api/chat` (one user message) by the session of `token`, then `followers`
 * `GET /api/chat/stream` of the same session, each stalled after its first chunk.
 */
export async function stalledRunFollowers(
  port: number,
  token: string,
  followers: number,
  signal?: AbortSignal,
): Promise<StalledClient[]> {
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'go' }] });
  const auth = `Authorization: Bearer ${token}\r\n`;
  const stalled = [
    await stalledClient(
      port,
      `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      signal,
    ),
  ];
  for (let index = 0; index < followers; index += 1) {
    stalled.push(
      await stalledClient(port, `GET /api/chat/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}\r\n`, signal),
    );
  }
  return stalled;
}
