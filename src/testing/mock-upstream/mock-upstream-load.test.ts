import { afterEach, describe, expect, it } from 'vitest';
import { textTurn } from '../scripted-turn.js';
import { createChaosResponder, type ChaosFault } from './chaos-responder.js';
import { createMockUpstream, type MockUpstream } from './mock-upstream.js';

const opened: MockUpstream[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((upstream) => upstream.close()));
});

const start = async (options: Parameters<typeof createMockUpstream>[0]): Promise<MockUpstream> => {
  const upstream = await createMockUpstream(options);
  opened.push(upstream);
  return upstream;
};

const postMessages = (upstream: MockUpstream, text: string, signal?: AbortSignal): Promise<Response> =>
  fetch(`${upstream.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock', messages: [{ role: 'user', content: text }] }),
    ...(signal === undefined ? {} : { signal }),
  });

describe('mock upstream under load', () => {
  it('answers every request through the responder once the queue is empty', async () => {
    const upstream = await start({
      anthropic: [textTurn('queued')],
      respond: () => textTurn('generated'),
    });
    const first = await (await postMessages(upstream, 'one')).text();
    const second = await (await postMessages(upstream, 'two')).text();

    expect(first).toContain('"queued"');
    expect(second).toContain('"generated"');
    expect(upstream.requests.map((request) => request.turn)).toEqual([
      textTurn('queued'),
      textTurn('generated'),
    ]);
    expect(() => upstream.assertAllConsumed()).not.toThrow();
  });

  it('keeps no request log when recording is off', async () => {
    const upstream = await start({ respond: () => textTurn('hi'), recordRequests: false });
    await (await postMessages(upstream, 'one')).text();
    expect(upstream.requests).toHaveLength(0);
  });

  it('reports a client that goes away mid-stream with its arrival time', async () => {
    const aborted: number[] = [];
    const upstream = await start({
      respond: () => ({ ...textTurn('never finished'), stallAfterEvents: 2 }),
      onClientAbort: (request) => aborted.push(request.receivedAt),
    });
    const client = new AbortController();
    const response = await postMessages(upstream, 'hold', client.signal);
    const reader = response.body?.getReader();
    await reader?.read();
    client.abort();
    const request = await upstream.waitForClientAbort(AbortSignal.timeout(5_000));

    expect(request.clientAborted).toBe(true);
    await expect.poll(() => aborted).toEqual([request.receivedAt]);
  });

  it('sends a frame of broken JSON after the given number of events', async () => {
    const upstream = await start({
      respond: () => ({ ...textTurn('one two three'), malformedFrameAfterEvents: 3 }),
    });
    const body = await (await postMessages(upstream, 'x')).text();
    const dataLines = body.split('\n').filter((line) => line.startsWith('data: '));

    expect(dataLines).toHaveLength(4);
    expect(() => void JSON.parse(dataLines[3]?.slice(6) ?? '')).toThrow(SyntaxError);
  });
});

describe('createChaosResponder', () => {
  const request = {
    flavor: 'anthropic' as const,
    path: '/v1/messages',
    headers: {},
    body: null,
    clientAborted: false,
    receivedAt: 0,
  };

  it('injects faults at roughly the configured rates, reproducibly for a seed', () => {
    const draw = (seed: number): Array<ChaosFault | undefined> => {
      const chaos = createChaosResponder({
        turn: () => textTurn('ok'),
        rates: { rate_limited: 0.1, server_error: 0.1, disconnect: 0.1 },
        seed,
      });
      return Array.from({ length: 2_000 }, () => chaos.faultOf(chaos.respond(request)));
    };
    const faults = draw(7);
    const share = (fault: ChaosFault | undefined): number =>
      faults.filter((picked) => picked === fault).length / faults.length;

    expect(draw(7)).toEqual(faults);
    expect(share('rate_limited')).toBeGreaterThan(0.07);
    expect(share('rate_limited')).toBeLessThan(0.13);
    expect(share('disconnect')).toBeGreaterThan(0.07);
    expect(share('overloaded')).toBe(0);
    expect(share(undefined)).toBeGreaterThan(0.6);
  });

  it('turns each fault into the matching answer', () => {
    const chaos = createChaosResponder({
      turn: () => textTurn('ok'),
      rates: { overloaded: 1 },
      retryAfterSeconds: 0.25,
    });
    expect(chaos.respond(request)).toEqual({
      kind: 'http_error',
      status: 529,
      retryAfterSeconds: 0.25,
      message: 'chaos: overloaded',
    });
    expect(chaos.counts()).toMatchObject({ overloaded: 1, healthy: 0 });
  });

  it('rejects rates that cannot be probabilities', () => {
    expect(() => createChaosResponder({ turn: () => textTurn('ok'), rates: { server_error: 1.5 } })).toThrow(
      /rates.server_error/,
    );
    expect(() =>
      createChaosResponder({ turn: () => textTurn('ok'), rates: { server_error: 0.6, disconnect: 0.6 } }),
    ).toThrow(/sum above 1/);
  });
});
