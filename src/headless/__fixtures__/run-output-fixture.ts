import type { RunOutput } from '../run-output.js';

/** A successful run output; override the fields a test is about. */
export function runOutputFixture(overrides: Partial<RunOutput> = {}): RunOutput {
  return {
    response: 'All good.',
    toolsUsed: [],
    usage: { input_tokens: 100, output_tokens: 20, estimated_cost: 0.0006 },
    error: null,
    timedOut: false,
    budgetExceeded: false,
    maxTurnsReached: false,
    ...overrides,
  };
}
