import { describe, expect, it } from 'vitest';
import { runOutputFixture } from '../__fixtures__/run-output-fixture.js';
import { buildStatePayload } from './build-state-payload.js';

const now = new Date('2025-03-04T05:06:07.000Z');

describe('buildStatePayload', () => {
  it('overlays the model state on the previous state and adds the run bookkeeping', () => {
    const state = buildStatePayload({
      previousState: { counter: 1, keep: 'me', model: 'old-model' },
      modelState: { counter: 2 },
      output: runOutputFixture({ toolsUsed: ['b', 'a', 'b', ''], response: '  Summary text  ' }),
      model: 'claude-sonnet-4-6',
      briefingFile: 'briefing.md',
      connectedServers: ['fs', 'git', 'fs', ' '],
      activeServers: ['git'],
      now,
    });
    expect(state).toEqual({
      counter: 2,
      keep: 'me',
      last_run: '2025-03-04T05:06:07.000Z',
      model: 'claude-sonnet-4-6',
      briefing_file: 'briefing.md',
      timed_out: false,
      budget_exceeded: false,
      max_turns_reached: false,
      connected_servers: ['fs', 'git'],
      active_servers: ['git'],
      tools_used: ['a', 'b'],
      usage: { input_tokens: 100, output_tokens: 20, estimated_cost: 0.0006 },
      last_summary: 'Summary text',
    });
  });

  it('defaults model and briefing file to "" and the server lists to []', () => {
    const state = buildStatePayload({ previousState: {}, modelState: {}, output: runOutputFixture(), now });
    expect(state).toMatchObject({ model: '', briefing_file: '', connected_servers: [], active_servers: [] });
  });

  it('sets error on failure and removes a stale error on success', () => {
    const failed = buildStatePayload({
      previousState: {},
      modelState: {},
      output: runOutputFixture({ error: 'boom', timedOut: true }),
      now,
    });
    expect(failed).toMatchObject({ error: 'boom', timed_out: true });

    const recovered = buildStatePayload({
      previousState: failed,
      modelState: {},
      output: runOutputFixture(),
      now,
    });
    expect(recovered).not.toHaveProperty('error');
    expect(recovered.timed_out).toBe(false);
  });

  it('clips last_summary at 1500 characters (1497 + "...")', () => {
    const state = buildStatePayload({
      previousState: {},
      modelState: {},
      output: runOutputFixture({ response: 'x'.repeat(2000) }),
      now,
    });
    expect(state.last_summary).toBe(`${'x'.repeat(1497)}...`);
  });

  it('uses a custom summary extractor', () => {
    const state = buildStatePayload({
      previousState: {},
      modelState: {},
      output: runOutputFixture({ response: 'long text' }),
      extractSummary: (response) => response.toUpperCase(),
      now,
    });
    expect(state.last_summary).toBe('LONG TEXT');
  });

  it('cleans alerts and next_session to non-blank strings and drops them when empty', () => {
    const state = buildStatePayload({
      previousState: { alerts: ['stale'], next_session: ['check logs'] },
      modelState: { alerts: [' disk full ', '', null, 42, '  '], next_session: [] },
      output: runOutputFixture(),
      now,
    });
    expect(state.alerts).toEqual(['disk full', '42']);
    expect(state).not.toHaveProperty('next_session');

    const notAList = buildStatePayload({
      previousState: {},
      modelState: { alerts: 'oops' },
      output: runOutputFixture(),
      now,
    });
    expect(notAList).not.toHaveProperty('alerts');
  });

  it('lets the run bookkeeping win over model-written keys of the same name', () => {
    const state = buildStatePayload({
      previousState: {},
      modelState: { tools_used: ['fake'], last_run: 'yesterday' },
      output: runOutputFixture({ toolsUsed: ['real'] }),
      now,
    });
    expect(state.tools_used).toEqual(['real']);
    expect(state.last_run).toBe('2025-03-04T05:06:07.000Z');
  });
});
