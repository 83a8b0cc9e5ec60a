import { describe, expect, it } from 'vitest';
import { ToolError } from '../../core/tool.js';
import { createMemorySlotCounter } from '../../stores/memory/memory-slot-counter.js';
import { HttpError } from '../../core/http-error.js';
import { createRunCaps, type RunCaps, type RunSlot } from './run-caps.js';

const capsWith = (
  limits: { runs?: number; pendingAnswersPerKey?: number; pendingAnswersPerSession?: number } = {},
) =>
  createRunCaps({
    runs: createMemorySlotCounter(),
    pendingAnswers: createMemorySlotCounter(),
    maxRunsPerApiKey: limits.runs ?? 10,
    maxPendingAnswersPerApiKey: limits.pendingAnswersPerKey ?? 10,
    maxPendingAnswersPerSession: limits.pendingAnswersPerSession ?? 10,
    report: (error) => {
      throw error;
    },
  });

/** Admits a run; a refusal, thrown at once or rejected, as a rejection. */
const admit = async (caps: RunCaps, runId: string, apiKeyHash = 'key-a', force = false) =>
  caps.admit({ runId, sessionId: `sess_${runId}`, apiKeyHash }, { force });

const refusal = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal');
};

describe('createRunCaps', () => {
  it('refuses a call past maxPendingAnswersPerSession with limit_reached, naming both caps', async () => {
    const caps = capsWith({ pendingAnswersPerSession: 2 });
    const slot = await admit(caps, 'run_1');
    await slot.countPendingAnswer('call_1', 1_000);
    await slot.countPendingAnswer('call_2', 1_000);
    const refused = await refusal(slot.countPendingAnswer('call_3', 1_000));
    expect(refused).toBeInstanceOf(ToolError);
    expect((refused as ToolError).toPayload()).toEqual({
      code: 'limit_reached',
      message:
        'Too many tool calls are waiting for an answer (maxPendingAnswersPerSession 2, ' +
        'maxPendingAnswersPerApiKey 10); this call was not asked',
    });
  });

  it('counts a run as waiting for answers while any of its calls waits, and not once all are given back', async () => {
    const caps = capsWith();
    const slot = await admit(caps, 'run_1');
    expect(caps.pendingAnswerRunCount()).toBe(0);
    const first = await slot.countPendingAnswer('call_1', 1_000);
    const second = await slot.countPendingAnswer('call_2', 1_000);
    expect(caps.pendingAnswerRunCount()).toBe(1);
    first();
    first();
    expect(caps.pendingAnswerRunCount()).toBe(1);
    second();
    expect(caps.pendingAnswerRunCount()).toBe(0);
  });

  it("refuses a key's call past maxPendingAnswersPerApiKey across its runs, and another key's not", async () => {
    const caps = capsWith({ pendingAnswersPerKey: 1 });
    const one = await admit(caps, 'run_1');
    const two = await admit(caps, 'run_2');
    const giveBack = await one.countPendingAnswer('call_1', 1_000);
    expect(await refusal(two.countPendingAnswer('call_1', 1_000))).toBeInstanceOf(ToolError);
    const other = await admit(caps, 'run_3', 'key-b');
    await other.countPendingAnswer('call_1', 1_000);

    // The key's next run is refused while its call waits, and admitted once it is given back.
    expect(await refusal(admit(caps, 'run_4'))).toMatchObject({ status: 429 });
    giveBack();
    await admit(caps, 'run_4');
  });

  it('gives a run slot back when the run ends, and admits a taken-over run past the cap', async () => {
    const caps = capsWith({ runs: 1 });
    const first = await admit(caps, 'run_1');
    const refused = await refusal(admit(caps, 'run_2'));
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).status).toBe(429);
    await admit(caps, 'run_taken_over', 'key-a', true);

    await first.release();
    await first.release();
    // The taken-over run still counts: the key stays at its cap until it ends too.
    expect(await refusal(admit(caps, 'run_2'))).toMatchObject({ status: 429 });
  });

  it('gives back the pending answers of a run that ends while they wait', async () => {
    const caps = capsWith({ pendingAnswersPerKey: 1 });
    const slot = await admit(caps, 'run_1');
    await slot.countPendingAnswer('call_1', 1_000);
    await slot.release();
    expect(caps.pendingAnswerRunCount()).toBe(0);
    const next = await admit(caps, 'run_2');
    await next.countPendingAnswer('call_1', 1_000);
  });

  it('admits and refuses at once over in-process counters, and gives a slot back at once', () => {
    const caps = capsWith({ runs: 1 });
    const run = (runId: string) => ({ runId, sessionId: `sess_${runId}`, apiKeyHash: 'key-a' });
    const slot = caps.admit(run('run_1'));
    expect(slot).not.toBeInstanceOf(Promise);
    expect(() => caps.admit(run('run_2'))).toThrow(HttpError);
    expect((slot as RunSlot).release()).toBeUndefined();
    expect(caps.admit(run('run_2'))).not.toBeInstanceOf(Promise);
  });
});
