import { isIPv6 } from 'node:net';

/** An IPv6 address's 16 bytes, or undefined when `address` is not an IPv6 address. */
export function ipv6Bytes(address: string): Uint8Array | undefined {
  if (!isIPv6(address)) return undefined;
  const withoutZone = address.replace(/%.*$/, '');
  const [head = '', tail] = withoutZone.split('::') as [string, string | undefined];
  const headGroups = groupsOf(head);
  const tailGroups = tail === undefined ? [] : groupsOf(tail);
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [
    ...headGroups,
    ...new Array<number>(tail === undefined ? 0 : missing).fill(0),
    ...tailGroups,
  ];
  const bytes = new Uint8Array(16);
  groups.forEach((group, index) => {
    bytes[index * 2] = group >> 8;
    bytes[index * 2 + 1] = group & 0xff;
  });
  return bytes;
}

/** The 16-bit groups of one side of `::`, a trailing dotted quad counted as two groups. */
function groupsOf(text: string): number[] {
  if (text === '') return [];
  return text.split(':').flatMap((part) => {
    if (!part.includes('.')) return [Number.parseInt(part, 16)];
    const [a = 0, b = 0, c = 0, d = 0] = part.split('.').map(Number);
    return [(a << 8) | b, (c << 8) | d];
  });
}

const dotted = (bytes: ArrayLike<number>): string => Array.from(bytes).join('.');

const startsWith = (bytes: Uint8Array, prefix: readonly number[]): boolean =>
  prefix.every((value, index) => bytes[index] === value);

/**
 * The IPv4 addresses an IPv6 address carries and that a translator, a relay or the host's own
 * stack may connect to in its place: IPv4-compatible (`::a.b.c.d`, which includes `::` and
 * `::1`), IPv4-mapped (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), NAT64's
 * well-known prefix (`64:ff9b::/96`), 6to4 (`2002::/16`, the relay's address in bits 16-47)
 * and Teredo (`2001::/32`: the server in bits 32-63, the client's address inverted in the
 * last 32 bits). An address is public only when every address it carries is, so each of these
 * is checked, not only the outer IPv6 range.
 */
export function embeddedIPv4Addresses(address: string): string[] {
  const bytes = ipv6Bytes(address);
  if (bytes === undefined) return [];
  const last = bytes.subarray(12, 16);
  const zeros = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  if (startsWith(bytes, [...zeros, 0, 0])) return [dotted(last)];
  if (startsWith(bytes, [...zeros, 0xff, 0xff])) return [dotted(last)];
  if (startsWith(bytes, [...zeros.slice(0, 8), 0xff, 0xff, 0, 0])) return [dotted(last)];
  if (startsWith(bytes, [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0])) return [dotted(last)];
  if (startsWith(bytes, [0x20, 0x02])) return [dotted(bytes.subarray(2, 6))];
  if (startsWith(bytes, [0x20, 0x01, 0, 0])) {
    return [dotted(bytes.subarray(4, 8)), dotted(Array.from(last, (byte) => byte ^ 0xff))];
  }
  return [];
}
