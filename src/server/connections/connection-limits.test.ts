import { describe, expect, it } from 'vitest';
import { resolveConnectionLimits } from './connection-guard.js';
import { connectionSettingsOf, connectionDefaults } from './connection-options.js';
import { parseOpenFileLimit, readOpenFileLimit } from './open-file-limit.js';

describe('connection limits', () => {
  it('reads the soft open-file limit from /proc/<pid>/limits text', () => {
    const limits = [
      'Limit                     Soft Limit           Hard Limit           Units     ',
      'Max processes             127535               127535               processes ',
      'Max open files            1024                 524288               files     ',
    ].join('\n');
    expect(parseOpenFileLimit(limits)).toBe(1024);
    expect(
      parseOpenFileLimit('Max open files            unlimited            unlimited            files'),
    ).toBe(undefined);
    expect(readOpenFileLimit()).toBeGreaterThan(0);
  });

  it('caps connections at three quarters of the open-file limit and one address at half of that', () => {
    expect(resolveConnectionLimits(connectionDefaults, 1024)).toEqual({
      maxConnections: 768,
      maxConnectionsPerAddress: 256,
    });
    expect(resolveConnectionLimits(connectionDefaults, 256)).toEqual({
      maxConnections: 192,
      maxConnectionsPerAddress: 96,
    });
    expect(resolveConnectionLimits(connectionDefaults, undefined)).toEqual({
      maxConnections: undefined,
      maxConnectionsPerAddress: 256,
    });
    expect(resolveConnectionLimits(connectionSettingsOf({ maxConnections: 10_000 }), 1024)).toEqual({
      maxConnections: 10_000,
      maxConnectionsPerAddress: 256,
    });
  });

  it('defaults every connection setting that is absent', () => {
    expect(connectionSettingsOf({ headersTimeoutMs: 2_000 })).toEqual({
      headersTimeoutMs: 2_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxRequestsPerSocket: 1_000,
      maxConnectionsPerAddress: 256,
      trustedProxies: [],
    });
  });
});
