import { describe, expect, it } from 'vitest';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ChatRun } from '../chat/chat-run.js';
import type { RunRequestSource } from '../chat/session-runs.js';
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
});
