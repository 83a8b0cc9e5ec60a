import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `ss` (iproute2) reports a listening socket's accept-queue limit in its Send-Q column. */
const hasSs = ((): boolean => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** The accept-queue limit the kernel applies to the socket listening on `port` (127.0.0.1). */
function acceptQueueLimit(port: number): number {
  const output = execFileSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' });
  const columns = output.trim().split(/\s+/);
  // State Recv-Q Send-Q Local Peer: for a listener, Send-Q is the backlog.
  return Number(columns[2]);
}

const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
const agent = () => createAgent({ systemPrompt: 'You are a test agent.', apiKey: '' });

describe.skipIf(!hasSs)('listen(): accept queue', () => {
  it('holds up to 4096 pending connections by default (capped by net.core.somaxconn), not 511', async () => {
    const server = cleanup.add(await agent().listen({ port: 0 }), (listening) => listening.close());
    expect(acceptQueueLimit(server.port)).toBe(Math.min(4096, somaxconn));
  });

  it('takes the backlog option', async () => {
    const server = cleanup.add(await agent().listen({ port: 0, backlog: 1234 }), (listening) =>
      listening.close(),
    );
    expect(acceptQueueLimit(server.port)).toBe(Math.min(1234, somaxconn));
  });

  it('gives the mock upstream the same deep queue', async () => {
    const upstream = cleanup.add(await createMockUpstream(), (server) => server.close());
    expect(acceptQueueLimit(Number(new URL(upstream.url).port))).toBe(Math.min(4096, somaxconn));
  });
});

describe('listen(): backlog option', () => {
  it('refuses a backlog that is not a positive integer', async () => {
    await expect(agent().listen({ port: 0, backlog: 0 })).rejects.toThrow(
      'listen: backlog: must be a positive integer, got 0',
    );
  });
});
