import { describe, expect, it } from 'vitest';
import { addressGroupOf, createAddressSlots } from './address-slots.js';

describe('address slots', () => {
  it('counts an IPv4 address by itself and an IPv6 address by its /64', () => {
    expect(addressGroupOf('203.0.113.7')).toBe('203.0.113.7');
    expect(addressGroupOf('2001:db8:0:1::1')).toBe('2001:db8:0:1::/64');
    expect(addressGroupOf('2001:DB8:0:1:ffff:1:2:3')).toBe('2001:db8:0:1::/64');
    expect(addressGroupOf('::1')).toBe('0:0:0:0::/64');
    expect(addressGroupOf('fd00:0001::')).toBe('fd00:1:0:0::/64');
  });

  it('gives an address group at most limit slots, and a released slot back once', () => {
    const slots = createAddressSlots(2);
    const first = slots.take('2001:db8::1');
    expect(first).toBeDefined();
    expect(slots.take('2001:db8::2')).toBeDefined();
    expect(slots.take('2001:db8::3')).toBeUndefined();
    expect(slots.take('203.0.113.7')).toBeDefined();
    first?.();
    first?.();
    expect(slots.takenBy('2001:db8::9')).toBe(1);
    expect(slots.take('2001:db8::3')).toBeDefined();
    expect(slots.take('2001:db8::4')).toBeUndefined();
  });
});
