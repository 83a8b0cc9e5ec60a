import { createRequestSlot } from './request-slot.js';

/** The client address of each request served by `listen()` (absent when embedded elsewhere). */
const addresses = createRequestSlot<string>('clientAddress');

/** Remembers the client `request` comes from (called by the Node listener). */
export function rememberClientAddress(request: Request, address: string): void {
  addresses.set(request, address);
}

/**
 * The address of the client that sent `request`: its socket's peer, or behind a trusted proxy
 * the client the proxy names in `X-Forwarded-For` (`server.trustedProxies`). Undefined for
 * requests served by another server (the app mounted through `fetch`) and for a trusted
 * proxy's own requests that name no client.
 */
export function clientAddressOf(request: Request): string | undefined {
  return addresses.get(request);
}
