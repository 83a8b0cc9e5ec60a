import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ChatRun } from './chat-run.js';
import type { RunRequestSource } from './session-runs.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { startWithMultitask, type MultitaskContext } from './start-with-multitask.js';

const session = { sessionId: 'sess-1', apiKeyHash: 'key' } as SessionRecord;

/**
 * A session whose run ends after `busyTries` tries to start another: a start while it works
 * answers 409 without building the request, as `SessionRuns.start` does before it holds the
 * session's lock.
 */
function busySession(busyTries: number) {
  const state = { tries: 0, busy: true, preparedWhileBusy: false };
  const start = async (_session: SessionRecord, source: RunRequestSource): Promise<ChatRun> => {
    state.tries += 1;
    if (state.tries > busyTries) state.busy = false;
    if (state.busy) throw HttpError.detail(409, 'A chat stream is already active for this session');
    if (typeof source === 'function') await source();
    return { runId: 'run-2' } as ChatRun;
  };
  const context = {
    sessionRuns: { start },
    report: () => undefined,
  } as unknown as MultitaskContext;
  return { state, context };
}

describe('startWithMultitask', () => {
  it('enqueue builds the request only once the session is free (it reads what the run before it wrote)', async () => {
    const { state, context } = busySession(3);
    const outcome = await startWithMultitask({
      context,
      session,
      strategy: 'enqueue',
      messages: [{ role: 'user', content: 'two' }],
      prepare: (): Promise<ChatRunRequest> => {
        if (state.busy) state.preparedWhileBusy = true;
        return Promise.resolve({ messages: [{ role: 'user', content: 'two' }], context: {} });
      },
      signal: new AbortController().signal,
    });
    expect(outcome.status).toBe('started');
    expect(state.tries).toBe(4);
    expect(state.preparedWhileBusy).toBe(false);
  });

  it('completes a request prepare returns at once, without a promise, with how its message was taken', async () => {
    let built: ChatRunRequest | Promise<ChatRunRequest> | undefined;
    const context = {
      sessionRuns: {
        start: (_session: SessionRecord, source: RunRequestSource): Promise<ChatRun> => {
          built = typeof source === 'function' ? source() : source;
          return Promise.resolve({ runId: 'run-1' } as ChatRun);
        },
      },
      report: () => undefined,
    } as unknown as MultitaskContext;
    const request: ChatRunRequest = { messages: [{ role: 'user', content: 'one' }], context: {} };
    const outcome = await startWithMultitask({
      context,
      session,
      strategy: 'reject',
      messages: request.messages,
      prepare: () => request,
      signal: new AbortController().signal,
    });
    expect(outcome.status).toBe('started');
    expect(built).toBe(request);
    expect(request.multitask).toBe('reject');
  });

  describe('an enqueued message behind a busy session', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** How often an enqueued start tries in `seconds` while every try is refused with `refusal`. */
    async function triesWhileRefused(refusal: HttpError, seconds: number): Promise<number> {
      vi.useFakeTimers();
      let tries = 0;
      const refusing = new AbortController();
      const context = {
        sessionRuns: {
          start: (): Promise<ChatRun> => {
            tries += 1;
            if (!refusing.signal.aborted) return Promise.reject(refusal);
            return Promise.resolve({ runId: 'run-2' } as ChatRun);
          },
        },
        report: () => undefined,
      } as unknown as MultitaskContext;
      const outcome = startWithMultitask({
        context,
        session,
        strategy: 'enqueue',
        messages: [{ role: 'user', content: 'two' }],
        prepare: () => Promise.resolve({ messages: [{ role: 'user', content: 'two' }], context: {} }),
        signal: new AbortController().signal,
      });
      await vi.advanceTimersByTimeAsync(seconds * 1_000);
      const refused = tries;
      refusing.abort();
      await vi.advanceTimersByTimeAsync(5_000);
      expect((await outcome).status).toBe('started');
      return refused;
    }

    it('tries about twice a second while the session has a run', async () => {
      const busy = HttpError.detail(409, 'A chat stream is already active for this session');
      expect(await triesWhileRefused(busy, 60)).toBeGreaterThan(100);
    });

    it('tries at most every 5 s while the thread waits for a suspended run to be answered', async () => {
      const suspended = new HttpError(409, {
        detail: 'Run run-1 of this thread is suspended until its pending calls are answered',
        code: 'run_suspended',
        run_id: 'run-1',
      });
      const tries = await triesWhileRefused(suspended, 60);
      // 25 ms doubling to 5 s: 8 tries in the first 6.4 s, then one per 5 s.
      expect(tries).toBeGreaterThanOrEqual(15);
      expect(tries).toBeLessThanOrEqual(22);
    });
  });
});
