import { boundedMemo } from '../contracts/bounded-memo.js';
import type { RequestCheck } from './chain-middleware.js';

/** The names every loopback gateway answers to. */
const LOOPBACK_HOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Options of `createHostGuard`. */
export interface HostGuardOptions {
  /** Names served besides the loopback names (without port; compared case-insensitively). */
  allowedHosts: readonly string[];
  /** Whether the guard applies to the current request (e.g. only while bound to loopback). */
  isEnforced: () => boolean;
}

/** The `Host` header's name part: lower-cased, without the port, brackets kept for IPv6. */
export function hostNameOf(hostHeader: string): string {
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Whether `host` (as given to `listen()`) is a loopback address or name. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name);
}

/** A Host header as shown in an answer: at most 100 characters. */
const clip = (host: string): string => (host.length > 100 ? `${host.slice(0, 100)}…` : host);

/**
 * The refusal of a request whose `Host` is not a known name of this gateway: `421 Misdirected
 * Request` (undefined: the request may go on). A web page can make a victim's browser talk to
 * `127.0.0.1` by pointing its own domain there (DNS rebinding), but the browser then sends the
 * page's domain as `Host`: the guard is what keeps such a page from opening sessions on a gateway
 * that believes itself reachable only from this machine.
 */
export function createHostGuard(options: HostGuardOptions): RequestCheck {
  const served: ReadonlySet<string> = new Set([
    ...LOOPBACK_HOST_NAMES,
    ...options.allowedHosts.map((host) => hostNameOf(host)),
  ]);
  // Clients send the same few Host headers again and again: each is looked at once.
  const isServed = boundedMemo(256, (host) => served.has(hostNameOf(host)));
  return function hostGuard(context) {
    if (!options.isEnforced()) return undefined;
    const host = context.req.raw.headers.get('host') ?? undefined;
    if (host !== undefined && isServed(host)) return undefined;
    return context.json(
      {
        detail: `Misdirected Request: unknown Host ${clip(host ?? '(none)')} (serve it by adding it to server.allowedHosts)`,
      },
      421,
    );
  };
}
