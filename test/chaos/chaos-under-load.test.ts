import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAOS_FAULTS } from '../../src/testing/mock-upstream/chaos-responder.js';
import { chatOnce, openSession, runChaosLoad, type ChatOutcome } from './run-chaos-load.js';
import { startChaosGateway, type ChaosGateway, type ChaosRetrySettings } from './start-chaos-gateway.js';

/**
 * Chaos under load (issue 7): 32 clients chat back to back while the model upstream answers a few
 * percent of requests with 429 + retry-after, 500, 529 + retry-after, a malformed JSON frame or a
 * connection cut mid-stream. Run by `npm run test:chaos` (its own Vitest config, which sets
 * AGENT_GATEWAY_CHAOS=1 and --expose-gc); `npm test` skips it. CHAOS_DURATION_MS sets how long
 * the load lasts (default 8 s), CHAOS_CONCURRENCY how many clients (default 32).
 *
 * The bounds asserted here are about correctness, not speed: a stream must end (with
 * `stream_complete` or `error`) well within its deadline, and retry waits must be at least what
 * the server asked for and at most what the retry policy allows.
 */
const enabled = process.env['AGENT_GATEWAY_CHAOS'] === '1';
const durationMs = Number(process.env['CHAOS_DURATION_MS'] ?? 8_000);
const concurrency = Number(process.env['CHAOS_CONCURRENCY'] ?? 32);
const retryAfterSeconds = 0.2;
const retry: ChaosRetrySettings = { maxRetries: 3, baseDelayMs: 20, maxRetryAfterMs: 1_000 };
const rates = {
  rate_limited: 0.03,
  server_error: 0.03,
  overloaded: 0.03,
  malformed_json: 0.02,
  disconnect: 0.03,
};
/** Far above any legitimate chat (four short attempts and three waits of at most 1 s). */
const streamDeadlineMs = 30_000;
/** The longest a chat may spend between its first and its last upstream request. */
const retryWindowMs =
  Array.from({ length: retry.maxRetries }, (_, attempt) =>
    Math.max(retry.baseDelayMs * 2 ** attempt, Math.min(retryAfterSeconds * 1000, retry.maxRetryAfterMs)),
  ).reduce((sum, wait) => sum + wait, 0) +
  // Each failed attempt itself: a rejected request or a few events, then the cut. Generous for a
  // loaded CI machine; the point is that retries stop.
  retry.maxRetries * 3_000;

const collectGarbage = async (): Promise<void> => {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let round = 0; round < 3; round += 1) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

describe.runIf(enabled)('the gateway under chaos at c=32', () => {
  let gateway: ChaosGateway;
  let outcomes: ChatOutcome[] = [];
  let heapBefore = 0;
  let heapAfter = 0;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  const previousSdkLog = process.env['ANTHROPIC_LOG'];

  beforeAll(
    async () => {
      // The SDK logs every malformed frame it meets; those are injected on purpose here.
      process.env['ANTHROPIC_LOG'] = 'off';
      process.on('unhandledRejection', onUnhandled);
      gateway = await startChaosGateway({ rates, retryAfterSeconds, retry });
      // Warm-up without faults, so the baseline includes what any load allocates once.
      gateway.setChaos(false);
      await runChaosLoad({
        baseUrl: gateway.baseUrl,
        concurrency,
        durationMs: 1_000,
        streamDeadlineMs,
        idPrefix: 'warm',
      });
      await collectGarbage();
      heapBefore = process.memoryUsage().heapUsed;

      gateway.setChaos(true);
      outcomes = await runChaosLoad({
        baseUrl: gateway.baseUrl,
        concurrency,
        durationMs,
        streamDeadlineMs,
        idPrefix: 'c',
      });
      gateway.setChaos(false);
      // Let cancelled work wind down, drop the bookkeeping of this test, then read the heap.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const attempts = new Map(gateway.attemptsByChat);
      gateway.attemptsByChat.clear();
      await collectGarbage();
      heapAfter = process.memoryUsage().heapUsed;
      gateway.attemptsByChat.clear();
      for (const [id, list] of attempts) gateway.attemptsByChat.set(id, list);
    },
    60_000 + durationMs * 3,
  );

  afterAll(async () => {
    const endings: Record<string, number> = {};
    for (const outcome of outcomes) endings[outcome.ending] = (endings[outcome.ending] ?? 0) + 1;
    console.info(
      `chaos: ${outcomes.length} chats in ${durationMs} ms at c=${concurrency}; endings ${JSON.stringify(endings)}; ` +
        `upstream answers ${JSON.stringify(gateway?.faultCounts())}; heap ${((heapAfter - heapBefore) / 2 ** 20).toFixed(1)} MiB vs baseline`,
    );
    process.off('unhandledRejection', onUnhandled);
    if (previousSdkLog === undefined) delete process.env['ANTHROPIC_LOG'];
    else process.env['ANTHROPIC_LOG'] = previousSdkLog;
    await gateway?.close();
  });

  it('injected every kind of fault, and chats kept going', () => {
    const counts = gateway.faultCounts();
    for (const fault of CHAOS_FAULTS) expect(counts[fault], fault).toBeGreaterThan(0);
    expect(outcomes.length).toBeGreaterThan(concurrency * 5);
    expect(outcomes.filter((outcome) => outcome.retries > 0).length).toBeGreaterThan(0);
  });

  it('ends every stream with stream_complete or error, none hangs', () => {
    const endings = new Map<string, number>();
    for (const outcome of outcomes) endings.set(outcome.ending, (endings.get(outcome.ending) ?? 0) + 1);
    expect(Object.fromEntries(endings)).toEqual({
      stream_complete: expect.any(Number) as unknown,
      ...(endings.has('error') ? { error: expect.any(Number) as unknown } : {}),
    });
    expect(Math.max(...outcomes.map((outcome) => outcome.elapsedMs))).toBeLessThan(streamDeadlineMs);
    // Most chats survive a few percent of faulty answers: only exhausted retries and malformed
    // frames (not retried) end in an error.
    expect(endings.get('stream_complete') ?? 0).toBeGreaterThan(outcomes.length * 0.8);
  });

  it('waits at least the retry-after the upstream asked for', () => {
    let checked = 0;
    for (const attempts of gateway.attemptsByChat.values()) {
      attempts.forEach((attempt, index) => {
        const next = attempts[index + 1];
        if (next === undefined) return;
        if (attempt.fault === 'rate_limited' || attempt.fault === 'overloaded') {
          expect(next.receivedAt - attempt.receivedAt).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
          checked += 1;
        }
      });
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('bounds the attempts and the total retry time of every chat', () => {
    for (const [id, attempts] of gateway.attemptsByChat) {
      if (!id.startsWith('c')) continue;
      expect(attempts.length, id).toBeLessThanOrEqual(retry.maxRetries + 1);
      const first = attempts[0]?.receivedAt ?? 0;
      const last = attempts.at(-1)?.receivedAt ?? 0;
      expect(last - first, id).toBeLessThanOrEqual(retryWindowMs);
    }
  });

  it('reports no unhandled rejection and no internal error', () => {
    expect(unhandled).toEqual([]);
    expect(gateway.reported.filter((where) => where !== 'chat run')).toEqual([]);
  });

  it('keeps serving after the storm', async () => {
    const health = await fetch(`${gateway.baseUrl}/health`);
    expect(health.status).toBe(200);
    const token = await openSession(gateway.baseUrl);
    const outcome = await chatOnce(gateway.baseUrl, token, 'after', streamDeadlineMs);
    expect(outcome).toMatchObject({ ending: 'stream_complete', retries: 0 });
  });

  it('returns to its memory baseline', () => {
    // Generous: the heap moves by a few MiB with timing alone; a leak of even 1 KiB per chat
    // over a few thousand chats would exceed it.
    expect(heapAfter - heapBefore).toBeLessThan(16 * 2 ** 20);
  });
});
