import { describe, expect, it } from 'vitest';
import {
  clientAddressBehind,
  createTrustedProxies,
  isAddressOrRange,
  normalizeAddress,
} from './trusted-proxies.js';

describe('trusted proxies', () => {
  it('accepts addresses and CIDR ranges of both families, and nothing else', () => {
    for (const entry of ['10.0.0.5', '10.0.0.0/8', 'fd00::1', 'fd00::/8', '0.0.0.0/0']) {
      expect(isAddressOrRange(entry), entry).toBe(true);
    }
    for (const entry of ['proxy.internal', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/8/1', '10.0.0.0/x', '']) {
      expect(isAddressOrRange(entry), entry).toBe(false);
    }
  });

  it('matches a peer by address or range, IPv4-mapped IPv6 as IPv4', () => {
    const proxies = createTrustedProxies(['10.1.0.0/16', '192.0.2.1', 'fd00::/8']);
    expect(proxies.has('10.1.200.3')).toBe(true);
    expect(proxies.has('::ffff:10.1.200.3')).toBe(true);
    expect(proxies.has('192.0.2.1')).toBe(true);
    expect(proxies.has('fd12::9')).toBe(true);
    expect(proxies.has('10.2.0.1')).toBe(false);
    expect(proxies.has('192.0.2.2')).toBe(false);
    expect(proxies.has('not an address')).toBe(false);
    expect(normalizeAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
    const proxies = createTrustedProxies(['10.0.0.1']);
    expect(clientAddressBehind('198.51.100.4', '203.0.113.7', proxies)).toBe('198.51.100.4');
    expect(clientAddressBehind('::ffff:198.51.100.4', undefined, createTrustedProxies([]))).toBe(
      '198.51.100.4',
    );
  });

  it('takes the rightmost hop that is not a trusted proxy as the client, whatever the client wrote to its left', () => {
    const proxies = createTrustedProxies(['10.0.0.0/8']);
    expect(clientAddressBehind('10.0.0.1', '203.0.113.7', proxies)).toBe('203.0.113.7');
    expect(clientAddressBehind('10.0.0.1', '1.2.3.4, 203.0.113.7, 10.0.0.2', proxies)).toBe('203.0.113.7');
    expect(clientAddressBehind('10.0.0.1', 'spoofed, 203.0.113.7', proxies)).toBe('203.0.113.7');
  });

  it('names no client for a trusted proxy that forwards none or an unreadable one', () => {
    const proxies = createTrustedProxies(['10.0.0.0/8']);
    expect(clientAddressBehind('10.0.0.1', undefined, proxies)).toBeUndefined();
    expect(clientAddressBehind('10.0.0.1', '10.0.0.3', proxies)).toBeUndefined();
    expect(clientAddressBehind('10.0.0.1', '203.0.113.7, unknown', proxies)).toBeUndefined();
  });
});
