import { describe, expect, it } from 'vitest';
import { runOutputFixture } from './__fixtures__/run-output-fixture.js';
import { formatRunSummary } from './format-run-summary.js';
import type { RunOutput } from './run-output.js';

describe('formatRunSummary', () => {
  it('renders the label, status, usage, tools and summary lines', () => {
    const output = runOutputFixture({ toolsUsed: ['search', 'read', 'search'], response: '  Done it.  ' });
    expect(formatRunSummary(output, { label: 'Nightly check' })).toBe(
      [
        'Nightly check',
        'Status: completed',
        'Usage: in=100 out=20 est_cost=0.0006',
        'Tools: read, search',
        '',
        'Summary:',
        'Done it.',
      ].join('\n'),
    );
  });

  it('says how often the context was compacted, with each summary length', () => {
    const output = runOutputFixture({ compactions: [{ chars: 1500 }, { chars: 900 }] });
    expect(formatRunSummary(output).split('\n')).toContain('Compactions: 2 (1500, 900 chars)');
    expect(formatRunSummary(runOutputFixture())).not.toContain('Compactions');
  });

  it('summarises a RunOutput built by hand, without compactions', () => {
    const output: RunOutput = {
      response: 'Checked.',
      toolsUsed: [],
      usage: { inputTokens: 10, outputTokens: 2 },
      error: null,
      timedOut: false,
      budgetExceeded: false,
      maxTurnsReached: false,
    };
    expect(formatRunSummary(output)).toBe(
      [
        'Autonomous run',
        'Status: completed',
        'Usage: in=10 out=2 est_cost=?',
        'Tools: none',
        '',
        'Summary:',
        'Checked.',
      ].join('\n'),
    );
  });

  it('uses the default label, "?" for unknown usage and "none" without tools', () => {
    const output = runOutputFixture({ usage: {}, response: '' });
    expect(formatRunSummary(output)).toBe(
      ['Autonomous run', 'Status: completed', 'Usage: in=? out=? est_cost=?', 'Tools: none'].join('\n'),
    );
  });

  it.each([
    [{ timedOut: true }, 'timed out'],
    [{ error: 'boom' }, 'failed'],
    [{ budgetExceeded: true }, 'budget exceeded'],
    [{ maxTurnsReached: true }, 'max turns reached'],
    [{ timedOut: true, error: 'boom' }, 'timed out'],
    [{ timedOut: true, budgetExceeded: true }, 'budget exceeded'],
    [{ error: 'boom', budgetExceeded: true }, 'failed'],
  ] as const)('status for %o is "%s"', (overrides, status) => {
    expect(formatRunSummary(runOutputFixture(overrides)).split('\n')[1]).toBe(`Status: ${status}`);
  });

  it('lists the first 8 sorted unique tools and counts the rest', () => {
    const tools = ['j', 'i', 'h', 'g', 'f', 'e', 'd', 'c', 'b', 'a', 'a'];
    const summary = formatRunSummary(runOutputFixture({ toolsUsed: tools }));
    expect(summary).toContain('Tools: a, b, c, d, e, f, g, h, ... (+2)');
  });

  it('adds the briefing line, the formatted state and the error', () => {
    const output = runOutputFixture({ error: 'upstream failed', response: 'Partial.' });
    const summary = formatRunSummary(output, {
      state: { briefing_file: 'briefing.md', alerts: ['disk full'] },
      formatState: (state) => `Alerts: ${(state.alerts as string[]).join(', ')}\nNext: none\n`,
    });
    expect(summary).toBe(
      [
        'Autonomous run',
        'Status: failed',
        'Briefing: briefing.md',
        'Usage: in=100 out=20 est_cost=0.0006',
        'Tools: none',
        '',
        'Alerts: disk full',
        'Next: none',
        '',
        'Summary:',
        'Partial.',
        '',
        'Error: upstream failed',
      ].join('\n'),
    );
  });

  it('does not call formatState for an empty state', () => {
    let calls = 0;
    formatRunSummary(runOutputFixture(), { state: {}, formatState: () => String((calls += 1)) });
    expect(calls).toBe(0);
  });

  it('clips the response at 1200 characters without trailing whitespace before "..."', () => {
    const response = `${'a'.repeat(1196)}    ${'b'.repeat(100)}`;
    const summary = formatRunSummary(runOutputFixture({ response }));
    expect(summary.endsWith(`\nSummary:\n${'a'.repeat(1196)}...`)).toBe(true);
  });

  it('clips the whole message to 3900 characters', () => {
    const summary = formatRunSummary(runOutputFixture({ error: 'e'.repeat(5000) }));
    expect(summary).toHaveLength(3900);
    expect(summary.endsWith('eee...')).toBe(true);
  });
});
