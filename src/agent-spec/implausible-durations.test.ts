import { describe, expect, it } from 'vitest';
import { findImplausibleDurations } from './implausible-durations.js';

describe('findImplausibleDurations', () => {
  it('names each duration option that looks like seconds, with its unit and the value in seconds', () => {
    const found = findImplausibleDurations({
      turnTimeoutMs: 300,
      server: { sessionTtlMs: 3600, approvalTimeoutMs: 120, rateLimit: { requests: 10, windowMs: 60 } },
    });
    expect(found.map((warning) => warning.message)).toEqual([
      'server.sessionTtlMs is 3600 ms (3.6 s): durations are in milliseconds; for 3600 seconds write 3600000',
      'server.approvalTimeoutMs is 120 ms (0.12 s): durations are in milliseconds; for 120 seconds write 120000',
      'server.rateLimit.windowMs is 60 ms (0.06 s): durations are in milliseconds; for 60 seconds write 60000',
      'turnTimeoutMs is 300 ms (0.3 s): durations are in milliseconds; for 300 seconds write 300000',
    ]);
    expect(found[0]).toMatchObject({ option: 'server.sessionTtlMs', valueMs: 3600 });
  });

  it('says nothing about plausible values, defaults and a 0 that turns a feature off', () => {
    expect(
      findImplausibleDurations({
        turnTimeoutMs: 300_000,
        mcp: { toolTimeoutMs: 30_000 },
        server: { sessionTtlMs: 3_600_000, approvalTimeoutMs: 120_000, disconnectGraceMs: 0 },
      }),
    ).toEqual([]);
    expect(findImplausibleDurations({})).toEqual([]);
  });
});
