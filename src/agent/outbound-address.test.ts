import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import {
  createPublicOnlyLookup,
  isPublicAddress,
  lookupFor,
  NonPublicAddressError,
  type ResolveHost,
} from './outbound-address.js';

/** Calls `lookup` as a socket does and answers what it called back with. */
function lookUp(
  resolve: ResolveHost,
  all: boolean,
): Promise<{ error: Error | null; answer: string | LookupAddress[] }> {
  const lookup = createPublicOnlyLookup(resolve);
  return new Promise((done) => {
    lookup('receiver.test', { all }, (error: Error | null, answer: string | LookupAddress[]) =>
      done({ error, answer }),
    );
  });
}

describe('outbound addresses', () => {
  it('counts loopback, private, link-local, mapped and reserved addresses as non-public', () => {
    for (const address of [
      '127.0.0.1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '0.0.0.0',
      '10.0.0.1',
      '100.64.0.1',
      '172.16.0.9',
      '192.168.1.1',
      '169.254.169.254',
      '::1',
      '::',
      'fd00::1',
      'fe80::1',
      '224.0.0.1',
      'not an address',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    expect(isPublicAddress('8.8.8.8')).toBe(true);
    expect(isPublicAddress('2001:4860:4860::8888')).toBe(true);
  });

  it('counts IPv6 forms that carry a non-public IPv4 address (NAT64, 6to4, Teredo, compatible) as non-public', () => {
    for (const address of [
      '64:ff9b::127.0.0.1',
      '64:ff9b::a00:1',
      '64:ff9b::169.254.169.254',
      '64:ff9b:1::a00:1',
      '64:ff9b:1:ffff::8.8.8.8',
      '2002:7f00:1::',
      '2002:a9fe:a9fe::1',
      '2001:0:4136:e378:8000:63bf:80ff:fffe',
      '2001:0:7f00:1::808:808',
      '::127.0.0.1',
      '::10.0.0.1',
      '::a9fe:a9fe',
      '::ffff:0:127.0.0.1',
      '0:0:0:0:0:ffff:a9fe:a9fe',
      '100::1',
      '2001:db8::1',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['64:ff9b::8.8.8.8', '2002:808:808::1', '2001:0:4136:e378:8000:63bf:f7f7:f7f7']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('refuses a name whose IPv6 address carries a private IPv4 address', async () => {
    const resolve: ResolveHost = () => Promise.resolve([{ address: '64:ff9b::a9fe:a9fe', family: 6 }]);
    const { error } = await lookUp(resolve, true);
    expect(error).toBeInstanceOf(NonPublicAddressError);
  });

  it('answers the addresses it checked, in the shape asked for', async () => {
    const resolve: ResolveHost = () => Promise.resolve([{ address: '203.0.113.7', family: 4 }]);
    expect(await lookUp(resolve, true)).toEqual({
      error: null,
      answer: [{ address: '203.0.113.7', family: 4 }],
    });
    expect(await lookUp(resolve, false)).toEqual({ error: null, answer: '203.0.113.7' });
  });

  it('refuses a name when any of its addresses is not public', async () => {
    const resolve: ResolveHost = () =>
      Promise.resolve([
        { address: '203.0.113.7', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
    const { error } = await lookUp(resolve, true);
    expect(error).toBeInstanceOf(NonPublicAddressError);
  });

  it('checks IP literals and local names itself, and leaves allowed hosts alone', () => {
    expect(() => lookupFor(new URL('https://127.0.0.1/'), { allowedHosts: [] })).toThrow(
      NonPublicAddressError,
    );
    expect(() => lookupFor(new URL('https://[::ffff:10.0.0.1]/'), { allowedHosts: [] })).toThrow(
      NonPublicAddressError,
    );
    expect(() => lookupFor(new URL('https://[64:ff9b::10.0.0.1]/'), { allowedHosts: [] })).toThrow(
      NonPublicAddressError,
    );
    expect(() => lookupFor(new URL('https://[2002:a00:1::]/'), { allowedHosts: [] })).toThrow(
      NonPublicAddressError,
    );
    expect(() => lookupFor(new URL('https://localhost/'), { allowedHosts: [] })).toThrow(
      NonPublicAddressError,
    );
    expect(lookupFor(new URL('https://8.8.8.8/'), { allowedHosts: [] })).toBeUndefined();
    expect(
      lookupFor(new URL('http://127.0.0.1:9000/'), { allowedHosts: ['127.0.0.1:9000'] }),
    ).toBeUndefined();
    expect(lookupFor(new URL('https://hooks.example.com/'), { allowedHosts: [] })).toBeTypeOf('function');
  });
});
