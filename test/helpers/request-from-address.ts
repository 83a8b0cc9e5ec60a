import { request } from 'node:http';

/** What `requestFromAddress` received. */
export interface AddressedResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Options of `requestFromAddress`. */
export interface AddressedRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Sent as JSON (`content-type: application/json`). */
  json?: unknown;
  /** The source address of the client's socket (any 127.0.0.0/8 address works on Linux). */
  localAddress: string;
  signal?: AbortSignal;
}

/**
 * One HTTP/1.1 request on a fresh connection whose source address is `localAddress`, read to
 * the end of its body (an event stream included). Rejects when the connection fails, is reset,
 * or `signal` aborts.
 */
export function requestFromAddress(
  url: string,
  options: AddressedRequestOptions,
): Promise<AddressedResponse> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        localAddress: options.localAddress,
        agent: false,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
