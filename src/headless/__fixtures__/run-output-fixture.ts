import type { RunOutput } from '../run-output.js';

/** A successful run output; override the fields a test is about. */
export function runOutputFixture(overrides: Partial<RunOutput> = {}): RunOutput {
  return {
    response: 'All good.',
    toolsUsed: [],
    usage: { inputTokens: 100, outputTokens: 20, estimatedCost: 0.0006 },
    error: null,
    timedOut: false,
    budgetExceeded: false,
    maxTurnsReached: false,
    compactions: [],
    ...overrides,
  };
}
