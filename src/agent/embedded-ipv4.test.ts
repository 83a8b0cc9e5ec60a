import { describe, expect, it } from 'vitest';
import { embeddedIPv4Addresses, ipv6Bytes } from './embedded-ipv4.js';

describe('IPv4 addresses carried in IPv6 addresses', () => {
  it('reads an IPv6 address into its bytes, with :: and a trailing dotted quad', () => {
    expect(Array.from(ipv6Bytes('64:ff9b::10.0.0.1') ?? [])).toEqual([
      0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1,
    ]);
    expect(Array.from(ipv6Bytes('::') ?? [])).toEqual(new Array<number>(16).fill(0));
    expect(ipv6Bytes('10.0.0.1')).toBeUndefined();
  });

  it('finds the address of every translation and tunnel form, and none in a plain address', () => {
    expect(embeddedIPv4Addresses('::ffff:7f00:1')).toEqual(['127.0.0.1']);
    expect(embeddedIPv4Addresses('::ffff:0:a00:1')).toEqual(['10.0.0.1']);
    expect(embeddedIPv4Addresses('::a9fe:a9fe')).toEqual(['169.254.169.254']);
    expect(embeddedIPv4Addresses('64:ff9b::c0a8:101')).toEqual(['192.168.1.1']);
    expect(embeddedIPv4Addresses('2002:a00:1::5')).toEqual(['10.0.0.1']);
    expect(embeddedIPv4Addresses('2001:0:4136:e378:8000:63bf:80ff:fffe')).toEqual([
      '65.54.227.120',
      '127.0.0.1',
    ]);
    expect(embeddedIPv4Addresses('2001:4860:4860::8888')).toEqual([]);
  });
});
