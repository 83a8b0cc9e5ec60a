import { describe, expect, it } from 'vitest';
import { createAgUiEncoder } from './create-ag-ui-encoder.js';

describe('AG-UI encoder: model fallback', () => {
  it('sends a model_fallback as a CUSTOM event, then the answer as usual', () => {
    let next = 0;
    const encoder = createAgUiEncoder({ threadId: 't1', runId: 'r1', createId: () => `m${++next}` });
    const events = [
      ...encoder.start(),
      ...encoder.encode({
        type: 'model_fallback',
        from: 'claude-sonnet-4-6',
        to: 'gpt-4o',
        reason: 'circuit_open',
      }),
      ...encoder.encode({ type: 'text_delta', text: 'Answer' }),
    ];
    expect(events).toEqual([
      { type: 'RUN_STARTED', threadId: 't1', runId: 'r1' },
      {
        type: 'CUSTOM',
        name: 'model_fallback',
        value: { from: 'claude-sonnet-4-6', to: 'gpt-4o', reason: 'circuit_open' },
      },
      { type: 'TEXT_MESSAGE_START', messageId: 'm1', role: 'assistant' },
      { type: 'TEXT_MESSAGE_CONTENT', messageId: 'm1', delta: 'Answer' },
    ]);
  });
});
