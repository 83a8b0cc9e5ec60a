import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../../core/stores.js';
import { createMcpSessionIds } from './mcp-session-ids.js';

const session = (apiKeyHash: string, user?: string): SessionRecord => ({
  sessionId: `sess_${'0'.repeat(32)}`,
  apiKeyHash,
  ...(user === undefined ? {} : { user }),
  createdAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  approvedToolTypes: [],
});

const handshake = {
  protocolVersion: '2025-11-25',
  capabilities: { elicitation: { form: {} } },
  clientInfo: { name: 'host', version: '1' },
};

describe('MCP session ids', () => {
  it('carries the handshake to any instance that holds the same secret, for the same owner only', () => {
    const ids = createMcpSessionIds('secret-a', 60_000);
    const id = ids.mint(session('key1', 'ada'), handshake) ?? '';
    expect(createMcpSessionIds('secret-a', 60_000).verify(id, session('key1', 'ada'))).toMatchObject(
      handshake,
    );
    expect(ids.verify(id, session('key1'))).toBeUndefined();
    expect(ids.verify(id, session('key2', 'ada'))).toBeUndefined();
    expect(createMcpSessionIds('secret-b', 60_000).verify(id, session('key1', 'ada'))).toBeUndefined();
  });

  it('refuses a tampered, truncated or expired id', () => {
    let now = 1_000;
    const ids = createMcpSessionIds('secret', 60_000, () => now);
    const owner = session('key1');
    const id = ids.mint(owner, handshake) ?? '';
    const [version, payload, mac] = id.split('.');
    const forged = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')),
        expiresAt: 9e15,
      }),
    ).toString('base64url');
    expect(ids.verify(`${version}.${forged}.${mac}`, owner)).toBeUndefined();
    expect(ids.verify(`${version}.${payload}`, owner)).toBeUndefined();
    expect(ids.verify('not-an-id', owner)).toBeUndefined();
    now += 60_001;
    expect(ids.verify(id, owner)).toBeUndefined();
  });

  it('mints no id for capabilities too large to carry', () => {
    const ids = createMcpSessionIds('secret', 60_000);
    expect(
      ids.mint(session('k'), { ...handshake, capabilities: { huge: 'x'.repeat(5000) } }),
    ).toBeUndefined();
  });
});
