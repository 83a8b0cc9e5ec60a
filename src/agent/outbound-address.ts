import { lookup as systemLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { embeddedIPv4Addresses } from './embedded-ipv4.js';

/**
 * Addresses an outbound request to a URL a client chose (a webhook, an A2A push notification)
 * never reaches unless its host is allowed by name: "this network", private, shared (CGNAT),
 * loopback, link-local (cloud metadata), benchmarking, multicast and reserved ranges, and the
 * IPv6 ranges no public receiver lives in: NAT64's local-use prefix (`64:ff9b:1::/48`, whose
 * translator is the operator's own), discard-only (`100::/64`) and documentation. IPv6 forms
 * that carry an IPv4 address (`embeddedIPv4Addresses`) are checked by the address they carry.
 */
const NON_PUBLIC_RANGES: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'],
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['64:ff9b:1::', 48, 'ipv6'],
  ['100::', 64, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['fc00::', 7, 'ipv6'],
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const NON_PUBLIC = (() => {
  const list = new BlockList();
  for (const [address, prefix, family] of NON_PUBLIC_RANGES) list.addSubnet(address, prefix, family);
  return list;
})();

/** Names that mean this machine whatever a resolver says. */
const LOCAL_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)\.?$|\.localhost\.?$/i;

/**
 * Whether `address` (an IP address) is public: not in any non-public range, and, for an IPv6
 * address that carries IPv4 addresses (NAT64, 6to4, Teredo, IPv4-compatible or mapped), none
 * of those in one either: `64:ff9b::a9fe:a9fe` reaches 169.254.169.254 through a translator.
 */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 0) return false;
  if (version === 4) return !NON_PUBLIC.check(address, 'ipv4');
  if (NON_PUBLIC.check(address, 'ipv6')) return false;
  return embeddedIPv4Addresses(address).every((carried) => !NON_PUBLIC.check(carried, 'ipv4'));
}

/** A URL's host without IPv6 brackets (`[::1]` is `::1`). */
export const bareHostname = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '');

/** Whether `url`'s host (or host:port) is one the operator allowed by name. */
export const isAllowedHost = (url: URL, allowedHosts: readonly string[]): boolean =>
  allowedHosts.includes(url.host) || allowedHosts.includes(url.hostname);

/**
 * Whether `url` names a non-public place without asking a resolver: an IP literal in a
 * non-public range or a name that always means this machine (`localhost`). What the URL's
 * text alone shows, so that it can be refused when it is registered.
 */
export function namesNonPublicHost(url: URL): boolean {
  const host = bareHostname(url);
  if (isIP(host) !== 0) return !isPublicAddress(host);
  return LOCAL_NAMES.test(host);
}

/** Resolves a host name to its addresses (every one); `dns.lookup` with `all: true` by default. */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

/** `dns.lookup(hostname, { all: true })`: the system resolver, as `fetch` and `http` use it. */
export const resolveWithSystem: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => {
    systemLookup(hostname, { all: true }, (error, addresses) => {
      if (error === null) resolve(addresses);
      else reject(error);
    });
  });

/** Thrown (and passed to a connection's lookup callback) when a host is not public. */
export class NonPublicAddressError extends Error {
  /** Stable code, as Node's network errors carry one. */
  readonly code = 'ERR_NON_PUBLIC_ADDRESS';

  constructor(host: string) {
    super(`${host} resolves to a non-public address`);
    this.name = 'NonPublicAddressError';
  }
}

/**
 * A `lookup` for `http.request`/`net.connect` that resolves once, refuses unless every address
 * is public, and hands the socket exactly the addresses it checked: the address connected to is
 * the address checked, so a name that answers a public address to a check and a loopback one
 * to the connection (DNS rebinding) cannot reach this machine's network. It answers the shape
 * asked for (`all: true`, which Node's happy-eyeballs connect uses, or one address).
 */
export function createPublicOnlyLookup(resolve: ResolveHost = resolveWithSystem): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (found) => {
        const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
        const addresses = found.filter((each) => wanted === undefined || each.family === wanted);
        if (addresses.length === 0) {
          const error = Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' });
          callback(error, '', 0);
          return;
        }
        if (!addresses.every((each) => isPublicAddress(each.address))) {
          callback(new NonPublicAddressError(hostname), '', 0);
          return;
        }
        if (options.all === true) {
          (callback as (error: null, addresses: LookupAddress[]) => void)(null, [...addresses]);
          return;
        }
        const first = addresses[0] as LookupAddress;
        callback(null, first.address, first.family);
      },
      (error: unknown) => callback(error as NodeJS.ErrnoException, '', 0),
    );
  };
}

/** Where outbound requests to client-chosen URLs may go: by default only to public addresses. */
export interface OutboundAddressPolicy {
  /** Hosts (`host` or `host:port`) reached whatever they resolve to. */
  allowedHosts: readonly string[];
  /** The resolver (default: the system's); tests answer with their own. */
  resolve?: ResolveHost | undefined;
}

/**
 * The `lookup` a request to `url` connects with under `policy`: none (the system's) for an
 * allowed host; otherwise a public-only lookup. An IP literal is checked here, as a socket
 * never asks a lookup for one; a non-public one throws `NonPublicAddressError`.
 */
export function lookupFor(url: URL, policy: OutboundAddressPolicy): LookupFunction | undefined {
  if (isAllowedHost(url, policy.allowedHosts)) return undefined;
  const host = bareHostname(url);
  if (isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw new NonPublicAddressError(host);
    return undefined;
  }
  if (LOCAL_NAMES.test(host)) throw new NonPublicAddressError(host);
  return createPublicOnlyLookup(policy.resolve);
}
