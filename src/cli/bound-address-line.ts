import type { NetworkInterfaceInfo } from 'node:os';

/** What the start-up line says of the listening socket. */
export interface BoundAddressLine {
  /** The line itself: the address bound and, for a wildcard one, the URLs that reach it. */
  message: string;
  /** The URLs that reach the server, loopback first (one for an address that is not a wildcard). */
  urls: string[];
}

/** The wildcard addresses and what each one covers. */
const WILDCARDS: Readonly<Record<string, { covers: string; family: 'IPv4' | 'any' }>> = {
  '0.0.0.0': { covers: 'all IPv4 interfaces', family: 'IPv4' },
  '::': { covers: 'all interfaces', family: 'any' },
};

/** `host:port` with an IPv6 host in brackets. */
const hostPort = (host: string, port: number): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** The URLs of the interfaces' addresses of `family`, loopback ones first. */
function interfaceUrls(
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
  family: 'IPv4' | 'any',
  port: number,
): string[] {
  const addresses = Object.values(interfaces)
    .flatMap((entries) => entries ?? [])
    .filter((entry) => family === 'any' || entry.family === 'IPv4')
    // A link-local IPv6 address needs its zone to be reached: not a URL a person can paste.
    .filter((entry) => !(entry.family === 'IPv6' && entry.address.startsWith('fe80:')))
    .sort((first, second) => Number(second.internal) - Number(first.internal));
  return [...new Set(addresses.map((entry) => `http://${hostPort(entry.address, port)}`))];
}

/**
 * The start-up line for a server bound to `host:port`. A wildcard address (`0.0.0.0`, `::`) is
 * named as such, with the URLs of this machine's interfaces that reach it: writing
 * `127.0.0.1` for it hid that the server was reachable from the network.
 */
export function boundAddressLine(
  bound: { host: string; port: number; url: string },
  interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>,
): BoundAddressLine {
  const wildcard = WILDCARDS[bound.host];
  if (wildcard === undefined) {
    return { message: `agent-gateway listening on ${bound.url}`, urls: [bound.url] };
  }
  const found = interfaceUrls(interfaces, wildcard.family, bound.port);
  const urls = found.length === 0 ? [bound.url] : found;
  return {
    message: `agent-gateway listening on ${hostPort(bound.host, bound.port)} (${wildcard.covers}): ${urls.join(', ')}`,
    urls,
  };
}
