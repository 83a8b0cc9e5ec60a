import { describe, expect, it } from 'vitest';
import { runOutputFixture } from './__fixtures__/run-output-fixture.js';
import { runOutputExitCode, runOutputOutcome, toRunOutputJson } from './run-output.js';

describe('runOutputExitCode and runOutputOutcome', () => {
  it.each([
    [{}, 0, 'success'],
    [{ maxTurnsReached: true }, 3, 'max_turns'],
    [{ budgetExceeded: true }, 2, 'budget_exceeded'],
    [{ error: 'boom' }, 1, 'error'],
    [{ timedOut: true }, 124, 'timeout'],
  ] as const)('maps %o to exit code %i and outcome %s', (overrides, code, outcome) => {
    const output = runOutputFixture(overrides);
    expect(runOutputExitCode(output)).toBe(code);
    expect(runOutputOutcome(output)).toBe(outcome);
  });

  it('checks timeout, then error, then budget, then max turns', () => {
    const everything = runOutputFixture({
      timedOut: true,
      error: 'boom',
      budgetExceeded: true,
      maxTurnsReached: true,
    });
    expect(runOutputExitCode(everything)).toBe(124);
    expect(runOutputOutcome(everything)).toBe('timeout');

    const noTimeout = { ...everything, timedOut: false };
    expect([runOutputExitCode(noTimeout), runOutputOutcome(noTimeout)]).toEqual([1, 'error']);

    const budgetAndTurns = { ...noTimeout, error: null };
    expect([runOutputExitCode(budgetAndTurns), runOutputOutcome(budgetAndTurns)]).toEqual([
      2,
      'budget_exceeded',
    ]);
  });

  it('treats an empty error string as no error', () => {
    expect(runOutputExitCode(runOutputFixture({ error: '' }))).toBe(0);
  });
});

describe('toRunOutputJson', () => {
  it('uses the original snake_case field names', () => {
    const output = runOutputFixture({ toolsUsed: ['a', 'a'], error: 'x', budgetExceeded: true });
    expect(toRunOutputJson(output)).toEqual({
      response: 'All good.',
      tools_used: ['a', 'a'],
      usage: { input_tokens: 100, output_tokens: 20, estimated_cost: 0.0006 },
      error: 'x',
      timed_out: false,
      budget_exceeded: true,
      max_turns_reached: false,
    });
  });

  it('adds compactions only when the run compacted its context', () => {
    const json = toRunOutputJson(runOutputFixture({ compactions: [{ chars: 640 }] }));
    expect(json.compactions).toEqual([{ chars: 640 }]);
    expect('compactions' in toRunOutputJson(runOutputFixture())).toBe(false);
  });
});
