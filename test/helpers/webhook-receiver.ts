import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request the receiver got: its Standard Webhooks headers, raw body and the status it answered. */
export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  status: number;
}

/** A webhook endpoint on 127.0.0.1 that records every request. */
export interface WebhookReceiver {
  /** `127.0.0.1:<port>`, for `server.webhooks.allowedHosts`. */
  readonly host: string;
  /** `http://127.0.0.1:<port>/hook`. */
  readonly url: string;
  readonly received: ReceivedWebhook[];
  /** The requests answered 2xx, each checked with the `standardwebhooks` verifier and parsed. */
  verified(secret: string): Array<{ id: string; payload: Record<string, unknown> }>;
  close(): Promise<void>;
}

/**
 * Starts a receiver that answers each request with the next of `statuses` (then 204), or, for
 * `'hold'`, never answers (the request stays open until the receiver closes): a sender that
 * dies meanwhile has not delivered.
 */
export async function startWebhookReceiver(statuses: Array<number | 'hold'> = []): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const plan = [...statuses];
  const header = (headers: IncomingHttpHeaders, name: string): string => {
    const value = headers[name];
    return typeof value === 'string' ? value : '';
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const next = plan.shift() ?? 204;
      received.push({
        id: header(request.headers, 'webhook-id'),
        timestamp: header(request.headers, 'webhook-timestamp'),
        signature: header(request.headers, 'webhook-signature'),
        body: Buffer.concat(chunks).toString('utf8'),
        status: next === 'hold' ? 0 : next,
      });
      if (next === 'hold') return;
      response.writeHead(next).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    verified(secret) {
      const verifier = new Webhook(secret);
      return received
        .filter((each) => each.status >= 200 && each.status < 300)
        .map((each) => ({
          id: each.id,
          payload: verifier.verify(each.body, {
            'webhook-id': each.id,
            'webhook-timestamp': each.timestamp,
            'webhook-signature': each.signature,
          }) as Record<string, unknown>,
        }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
