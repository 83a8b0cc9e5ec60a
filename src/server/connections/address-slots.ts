import { clientAddressKey } from './connection-of-request.js';

/**
 * The key under which an address is counted: an IPv4 address itself (IPv4-mapped IPv6 ones
 * unwrapped), an IPv6 address by its /64 network, since one IPv6 host is normally given a whole
 * /64 and could otherwise count as billions of clients.
 */
export const addressGroupOf = clientAddressKey;

/** Slots counted per client address, at most `limit` taken per address group at once. */
export interface AddressSlots {
  /**
   * Takes a slot for `address`; returns its release (idempotent), or undefined when the
   * address's group already holds `limit`.
   */
  take(address: string): (() => void) | undefined;
  /** Slots held by `address`'s group. */
  takenBy(address: string): number;
}

/** Creates a counter of slots per address group, `limit` each. */
export function createAddressSlots(limit: number): AddressSlots {
  const held = new Map<string, number>();
  return {
    take(address) {
      const group = addressGroupOf(address);
      const count = held.get(group) ?? 0;
      if (count >= limit) return undefined;
      held.set(group, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (held.get(group) ?? 1) - 1;
        if (left === 0) held.delete(group);
        else held.set(group, left);
      };
    },
    takenBy: (address) => held.get(addressGroupOf(address)) ?? 0,
  };
}
