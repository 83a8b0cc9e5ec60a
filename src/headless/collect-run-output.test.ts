import { describe, expect, it } from 'vitest';
import type { GatewayEvent, LogEntry } from '../core/events.js';
import { collectRunOutput } from './collect-run-output.js';

const entriesOf = (...events: GatewayEvent[]): LogEntry[] =>
  events.map((event, index) => ({ seq: index + 1, event }));

const toolStart = (name: string): GatewayEvent => ({
  type: 'tool_call_start',
  tool_call_id: `call_${name}`,
  tool_name: name,
  tool_input: {},
  execution_location: 'backend',
  call_index: 0,
});

const usage = {
  input_tokens: 10,
  output_tokens: 5,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  estimated_cost: 0.0001,
};

describe('collectRunOutput', () => {
  it('joins text deltas, trims the response and takes usage from stream_complete', () => {
    const output = collectRunOutput(
      entriesOf(
        { type: 'text_delta', text: '  Hello ' },
        { type: 'thinking_delta', text: 'hmm' },
        { type: 'text_delta', text: 'world \n' },
        { type: 'stream_complete', usage },
      ),
      false,
    );
    expect(output).toEqual({
      response: 'Hello world',
      toolsUsed: [],
      usage: {
        inputTokens: 10,
        outputTokens: 5,
        cacheCreationInputTokens: 0,
        cacheReadInputTokens: 0,
        estimatedCost: 0.0001,
      },
      error: null,
      timedOut: false,
      budgetExceeded: false,
      maxTurnsReached: false,
      compactions: [],
    });
  });

  it('records every compaction with its summary length, also across a retry', () => {
    const output = collectRunOutput(
      entriesOf(
        { type: 'compaction', chars: 1200 },
        { type: 'text_delta', text: 'half' },
        { type: 'stream_retry', attempt: 1, error: 'The model is overloaded.' },
        { type: 'compaction', chars: 800 },
        { type: 'text_delta', text: 'Done.' },
      ),
      false,
    );
    expect(output.compactions).toEqual([{ chars: 1200 }, { chars: 800 }]);
    expect(output.response).toBe('Done.');
  });

  it('records tool names in call order with duplicates', () => {
    const output = collectRunOutput(entriesOf(toolStart('b'), toolStart('a'), toolStart('b')), false);
    expect(output.toolsUsed).toEqual(['b', 'a', 'b']);
  });

  it('discards text and tool names of an attempt that stream_retry abandoned', () => {
    const output = collectRunOutput(
      entriesOf(
        { type: 'text_delta', text: 'first attempt ' },
        toolStart('lost_tool'),
        { type: 'stream_retry', attempt: 0, error: 'overloaded' },
        { type: 'text_delta', text: 'second attempt' },
        toolStart('kept_tool'),
      ),
      false,
    );
    expect(output.response).toBe('second attempt');
    expect(output.toolsUsed).toEqual(['kept_tool']);
  });

  it('sets the limit flags and keeps their notices in the response, as the original does', () => {
    const output = collectRunOutput(
      entriesOf(
        { type: 'text_delta', text: 'Partial work.' },
        { type: 'max_turns_reached', turn_count: 3, max_turns: 2 },
        { type: 'text_delta', text: '\n\n[Max turns reached]' },
        { type: 'budget_exceeded', total_cost: 1.2, budget: 1 },
      ),
      false,
    );
    expect(output.maxTurnsReached).toBe(true);
    expect(output.budgetExceeded).toBe(true);
    expect(output.response).toBe('Partial work.\n\n[Max turns reached]');
  });

  it('keeps the last error and passes the timeout flag through', () => {
    const output = collectRunOutput(
      entriesOf({ type: 'error', error: 'first' }, { type: 'error', error: 'second' }),
      true,
    );
    expect(output.error).toBe('second');
    expect(output.timedOut).toBe(true);
    expect(output.usage).toEqual({});
  });
});
