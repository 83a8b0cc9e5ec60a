import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { boundAddressLine } from './bound-address-line.js';

const entry = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  family === 'IPv4'
    ? { address, family, internal, netmask: '255.0.0.0', mac: '00:00:00:00:00:00', cidr: null }
    : { address, family, internal, netmask: 'ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 };

const interfaces = {
  eth0: [entry('10.1.2.3', 'IPv4', false), entry('fe80::1', 'IPv6', false), entry('fd00::5', 'IPv6', false)],
  lo: [entry('127.0.0.1', 'IPv4', true), entry('::1', 'IPv6', true)],
};

describe('boundAddressLine', () => {
  it('names a loopback address by its URL alone', () => {
    const line = boundAddressLine(
      { host: '127.0.0.1', port: 8003, url: 'http://127.0.0.1:8003' },
      interfaces,
    );
    expect(line).toEqual({
      message: 'agent-gateway listening on http://127.0.0.1:8003',
      urls: ['http://127.0.0.1:8003'],
    });
  });

  it('says 0.0.0.0 is every IPv4 interface and lists their URLs, loopback first', () => {
    const line = boundAddressLine({ host: '0.0.0.0', port: 8003, url: 'http://127.0.0.1:8003' }, interfaces);
    expect(line.message).toBe(
      'agent-gateway listening on 0.0.0.0:8003 (all IPv4 interfaces): http://127.0.0.1:8003, http://10.1.2.3:8003',
    );
    expect(line.urls).toEqual(['http://127.0.0.1:8003', 'http://10.1.2.3:8003']);
  });

  it('lists the IPv6 addresses too for ::, leaving out link-local ones', () => {
    const line = boundAddressLine({ host: '::', port: 80, url: 'http://[::]:80' }, interfaces);
    expect(line.message.startsWith('agent-gateway listening on [::]:80 (all interfaces): ')).toBe(true);
    expect(line.urls).toEqual([
      'http://127.0.0.1:80',
      'http://[::1]:80',
      'http://10.1.2.3:80',
      'http://[fd00::5]:80',
    ]);
  });

  it('falls back on the server URL when the machine reports no interface', () => {
    const line = boundAddressLine({ host: '0.0.0.0', port: 9, url: 'http://127.0.0.1:9' }, {});
    expect(line.urls).toEqual(['http://127.0.0.1:9']);
    expect(line.message).toBe(
      'agent-gateway listening on 0.0.0.0:9 (all IPv4 interfaces): http://127.0.0.1:9',
    );
  });
});
