import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayEvent } from '../src/core/events.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ChatRuntime } from '../src/server/contracts/gateway-config.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { startHealthProber } from './helpers/probe-health.js';
import { createSseReader } from './helpers/sse-reader.js';
import { stalledRunFollowers } from './helpers/stalled-client.js';

const cleanup = createCleanupStack();
let aborted = new AbortController();
afterEach(async () => {
  aborted.abort();
  aborted = new AbortController();
  await cleanup.run();
});

/** Five default-size images in one tool result: 2.5 MB, over the default 1 MiB per stream. */
const IMAGE = 'i'.repeat(500 * 1024);
const bigResult = (index: number): GatewayEvent => ({
  type: 'tool_call_complete',
  tool_call_id: `call_${index}`,
  tool_name: 'code_execute',
  result: { images: [IMAGE, IMAGE, IMAGE, IMAGE, IMAGE] },
  error: null,
  duration_ms: 1,
  server: null,
});

const complete: GatewayEvent = {
  type: 'stream_complete',
  usage: {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    estimated_cost: 0,
  },
};

interface Gates {
  /** Lets the run write its big results. */
  releaseResults: () => void;
  /** Resolves once the run wrote its big results. */
  resultsWritten: Promise<void>;
  /** Lets the run end. */
  releaseEnd: () => void;
}

/**
 * A gateway whose runs write `start`, then (once released) `results` big tool results a few
 * milliseconds apart, then (once released) `stream_complete`.
 */
async function startBigResultGateway(results: number): Promise<{ gateway: GatewayClient } & Gates> {
  let releaseResults: () => void = () => undefined;
  let releaseEnd: () => void = () => undefined;
  const resultsReleased = new Promise<void>((resolve) => (releaseResults = resolve));
  const endReleased = new Promise<void>((resolve) => (releaseEnd = resolve));
  let markWritten: () => void = () => undefined;
  const resultsWritten = new Promise<void>((resolve) => (markWritten = resolve));
  const buildChatRuntime = (): ChatRuntime => ({
    systemPrompt: 's',
    createRunner: (context) => ({
      async run() {
        context.eventLog.append({ type: 'text_delta', text: 'start' });
        await resultsReleased;
        for (let index = 0; index < results; index += 1) {
          context.eventLog.append(bigResult(index));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        markWritten();
        await endReleased;
        context.eventLog.append(complete);
      },
    }),
  });
  const app = createGatewayApp({ buildChatRuntime, server: { allowedModels: [] } });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { gateway, releaseResults, resultsWritten, releaseEnd };
}

describe('events larger than maxBufferedBytesPerStream', () => {
  it('delivers one 2.5 MB event to a live reader and to a reader that resumes while the run goes on', async () => {
    const { gateway, releaseResults, releaseEnd } = await startBigResultGateway(1);
    const session = await gateway.openSession();
    const live = createSseReader(await gateway.chat(session.token, 'go'));
    const [first] = await live.until((frame) => frame.event.type === 'text_delta');
    releaseResults();

    // The run has not ended: the reader gets the event now, not after a resume at the end.
    const delivered = await live.nextOfType('tool_call_complete');
    expect(delivered).toEqual(bigResult(0));

    const resumedResponse = await gateway.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${first?.runId ?? ''}:${String(first?.id)}` },
    });
    expect(resumedResponse.status).toBe(200);
    const resumed = createSseReader(resumedResponse);
    const replayed = await resumed.nextOfType('tool_call_complete');
    expect(replayed).toEqual(bigResult(0));

    releaseEnd();
    expect((await live.nextOfType('stream_complete')).type).toBe('stream_complete');
    expect((await resumed.nextOfType('stream_complete')).type).toBe('stream_complete');
  });

  it('keeps answering health, asked from another process, while eight stalled followers are cut', async () => {
    const { gateway, releaseResults, resultsWritten, releaseEnd } = await startBigResultGateway(8);
    const session = await gateway.openSession();
    const port = Number(new URL(gateway.baseUrl).port);
    const stalled = await stalledRunFollowers(port, session.token, 7, aborted.signal);

    const probe = cleanup.add(startHealthProber(`${gateway.baseUrl}/health`, 5), (started) => started.stop());
    await probe.ready;
    await probe.lap();
    releaseResults();
    await resultsWritten;
    releaseEnd();
    const received = await Promise.all(stalled.map((client) => client.rest()));
    const cutting = await probe.lap();

    // Each follower was cut (it never got the end of the run) ...
    for (const text of received) expect(text).not.toContain('stream_complete');
    // ... and the gateway kept answering meanwhile. How fast it answers is measured by no test
    // (a loaded machine makes any bound either flaky or meaningless); what keeps it answering
    // is: a large frame encoded once per run (sse-framing.test.ts) and connections closed one
    // per turn of the event loop (destroy-soon.test.ts).
    expect(cutting.length).toBeGreaterThan(0);
  });
});
