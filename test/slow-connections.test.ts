import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { requestFromAddress } from './helpers/request-from-address.js';
import { spawnSlowSocketFlood } from './helpers/slow-socket-flood.js';
import { spawnFdLimitedGateway } from './helpers/spawn-fd-limited-gateway.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** `prlimit` (util-linux) starts the gateway under its own open-file limit. */
const hasPrlimit = ((): boolean => {
  try {
    execFileSync('prlimit', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const ATTACKER = '127.0.0.2';
const CLIENT = '127.0.0.3';

/** What one client round (health, then a session and a whole chat) got. */
interface Round {
  health: string;
  chat: string;
}

/** Runs `step`, giving its outcome or the error it failed with. */
async function outcomeOf(step: () => Promise<string>): Promise<string> {
  try {
    return await step();
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** One client's visit from `CLIENT`: health, then a session and a whole chat. */
async function clientRound(baseUrl: string): Promise<Round> {
  // Below the flood's sockets' headersTimeout (10 s by default), so a gateway that makes other
  // clients wait for those sockets to time out fails every round; generous on a loaded machine.
  const signal = AbortSignal.timeout(8_000);
  const health = await outcomeOf(async () => {
    const response = await requestFromAddress(`${baseUrl}/health`, { localAddress: CLIENT, signal });
    return `${response.status}`;
  });
  const chat = await outcomeOf(async () => {
    const init = await requestFromAddress(`${baseUrl}/chat/init`, {
      localAddress: CLIENT,
      json: { api_key: 'client-key' },
      signal,
    });
    const { session_token: token } = JSON.parse(init.body) as { session_token?: string };
    if (token === undefined) return `init ${init.status}`;
    const stream = await requestFromAddress(`${baseUrl}/chat`, {
      localAddress: CLIENT,
      headers: { authorization: `Bearer ${token}` },
      json: { messages: [{ role: 'user', content: 'ping' }] },
      signal,
    });
    const complete = stream.body.includes('"pong"') && stream.body.includes('"stream_complete"');
    return `${stream.status}${complete ? ' complete' : ' incomplete'}`;
  });
  return { health, chat };
}

describe.skipIf(!hasPrlimit)('connections of slow clients', () => {
  it('serves health and a whole chat to another address every time, while one address holds and replaces thousands of slow sockets under a 1024-fd limit', async () => {
    const upstream = cleanup.add(await createMockUpstream({ respond: () => textTurn('pong') }), (server) =>
      server.close(),
    );
    const gateway = await spawnFdLimitedGateway(cleanup, { openFiles: 1024, upstreamUrl: upstream.url });
    // A gateway in service: its code is loaded and its upstream connection made.
    expect(await clientRound(gateway.baseUrl)).toMatchObject({ health: '200', chat: '200 complete' });
    const flood = cleanup.add(
      await spawnSlowSocketFlood({
        host: '127.0.0.1',
        port: gateway.port,
        localAddress: ATTACKER,
        sockets: 3_000,
        openings: [
          '',
          'POST /api/chat/init HTTP/1.1\r\nHost: 127.0.0.1\r\n',
          'POST /api/chat/init HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
        ],
      }),
      (running) => running.stop(),
    );
    await waitFor(() => (flood.opened() >= 3_000 ? true : undefined), { timeoutMs: 20_000 });
    // Let the flood settle: every fd it can take, it now holds.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const rounds: Round[] = [];
    for (let round = 0; round < 10; round += 1) rounds.push(await clientRound(gateway.baseUrl));
    expect(rounds).toEqual(Array.from({ length: 10 }, () => ({ health: '200', chat: '200 complete' })));
    // Each round had 8 s (its abort signal): see clientRound.
  }, 180_000);
});
