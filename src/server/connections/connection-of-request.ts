import { ServerResponse, type IncomingMessage } from 'node:http';
import { destroySoon } from './destroy-soon.js';
import { createRequestSlot } from './request-slot.js';

/** The Node response behind each request served by `listen()` (absent when embedded elsewhere). */
const responses = createRequestSlot<{ destroy(): void }>('nodeResponse');

/** Remembers the Node response that answers `request` (called by the Node listener). */
export function rememberNodeResponse(request: Request, response: { destroy(): void }): void {
  responses.set(request, response);
}

/**
 * Closes the connection that carries `request`'s response, discarding what is still buffered
 * for it (in a later turn of the event loop: `destroySoon`). A web-standard stream cannot do this by itself: the Node adapter stops
 * reading the stream while the socket's buffer is full, so for a client that has stopped
 * reading nothing would ever notice the stream's end. Does nothing for requests served by
 * another server (the app mounted through `fetch`) and returns false: the stream's own end
 * then has to do.
 */
export function dropConnectionOf(request: Request): boolean {
  const response = responses.get(request);
  if (response !== undefined) destroySoon(response);
  return response !== undefined;
}

/**
 * The HTTP/1 Node response that answers `request` when `listen()` serves it, so that a stream
 * can be written to it directly; undefined for requests served by another server (the app
 * mounted through `fetch`) and for HTTP/2.
 */
export function nodeResponseOf(request: Request): ServerResponse | undefined {
  const response = responses.get(request);
  return response instanceof ServerResponse ? response : undefined;
}

/**
 * The HTTP/1 Node request behind `request` when `listen()` serves it, so that its body can be
 * read from it directly; undefined otherwise (as `nodeResponseOf`).
 */
export function nodeRequestOf(request: Request): IncomingMessage | undefined {
  return nodeResponseOf(request)?.req;
}

/**
 * The address of the peer that sent `request` when `listen()` serves it (the client, or the
 * proxy in front of it); undefined for requests served by another server.
 */
export function peerAddressOf(request: Request): string | undefined {
  const response = responses.get(request);
  const incoming: unknown = response === undefined ? undefined : Reflect.get(response, 'req');
  const socket: unknown =
    typeof incoming === 'object' && incoming !== null ? Reflect.get(incoming, 'socket') : undefined;
  const address: unknown =
    typeof socket === 'object' && socket !== null ? Reflect.get(socket, 'remoteAddress') : undefined;
  return typeof address === 'string' && address !== '' ? address : undefined;
}

/**
 * The key a per-address limit counts `address` under: an IPv4 address (IPv4-mapped IPv6 ones
 * unwrapped) as it is, an IPv6 address by its /64 prefix, which one client usually holds whole.
 */
export function clientAddressKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [
        ...headGroups,
        ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'),
        ...tailGroups,
      ]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
