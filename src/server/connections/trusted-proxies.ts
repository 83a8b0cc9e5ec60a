import { BlockList, isIP } from 'node:net';

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * The IPv4 form of an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, what a socket on a
 * dual-stack `::` listener reports), so that one client has one address whichever way it came.
 */
export function normalizeAddress(address: string): string {
  return MAPPED_IPV4.exec(address)?.[1] ?? address;
}

/** `address/prefix` split, or undefined when `entry` is neither an address nor a range. */
function parseEntry(
  entry: string,
): { address: string; prefix?: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address = '', prefixText, ...rest] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (prefixText === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= (version === 4 ? 32 : 128) ? { address, prefix, family } : undefined;
}

/** Whether `entry` is an IP address (`10.0.0.5`, `fd00::1`) or a CIDR range (`10.0.0.0/8`). */
export function isAddressOrRange(entry: string): boolean {
  return parseEntry(entry) !== undefined;
}

/** The proxies whose `X-Forwarded-For` the gateway believes. */
export interface TrustedProxies {
  /** Whether `address` (a socket's peer, or a hop of `X-Forwarded-For`) is one of them. */
  has(address: string): boolean;
}

/** The trusted proxies of `entries` (addresses and CIDR ranges, checked by `isAddressOrRange`). */
export function createTrustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (parsed === undefined) throw new TypeError(`not an IP address or CIDR range: ${entry}`);
    if (parsed.prefix === undefined) list.addAddress(parsed.address, parsed.family);
    else list.addSubnet(parsed.address, parsed.prefix, parsed.family);
  }
  return {
    has(address) {
      if (entries.length === 0) return false;
      const normal = normalizeAddress(address);
      const version = isIP(normal);
      return version !== 0 && list.check(normal, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/**
 * The address of the client a request comes from. A socket whose peer is not a trusted proxy
 * is its own client: whatever `X-Forwarded-For` it sends is ignored (anyone can write it).
 * Behind trusted proxies the client is the rightmost hop of `X-Forwarded-For` that is not
 * itself a trusted proxy: each proxy appends the address it received the request from, so
 * the hops to the left of that one are the client's own words. Undefined when the peer is a
 * trusted proxy that names no client (its own request, such as a health check).
 */
export function clientAddressBehind(
  peer: string,
  forwardedFor: string | undefined,
  proxies: TrustedProxies,
): string | undefined {
  const address = normalizeAddress(peer);
  if (!proxies.has(address)) return address;
  const hops = (forwardedFor ?? '').split(',').map((hop) => normalizeAddress(hop.trim()));
  for (let index = hops.length - 1; index >= 0; index -= 1) {
    const hop = hops[index] ?? '';
    if (isIP(hop) === 0) return undefined;
    if (!proxies.has(hop)) return hop;
  }
  return undefined;
}
