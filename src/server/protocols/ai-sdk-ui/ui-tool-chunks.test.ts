import { describe, expect, it } from 'vitest';
import type { ToolCallCompleteEvent } from '../../../core/events.js';
import { createToolHistorySigner } from '../tool-history-signatures.js';
import { createUiToolChunks } from './ui-tool-chunks.js';

const signatures = createToolHistorySigner({ secret: 'test-secret' }).forSession('sess_1');
const weather = { toolCallId: 'c1', toolName: 'get_weather', input: { city: 'Nantes' } };
const complete = (toolCallId: string, outcome: Partial<ToolCallCompleteEvent>): ToolCallCompleteEvent => ({
  type: 'tool_call_complete',
  tool_call_id: toolCallId,
  tool_name: 'x',
  result: null,
  error: null,
  duration_ms: 1,
  server: null,
  ...outcome,
});

describe('createUiToolChunks', () => {
  it("signs a call, and a server tool's output or error with its call", () => {
    const chunks = createUiToolChunks(signatures);
    const callSignature = signatures.signCall({ ...weather, runner: 'server' });
    expect(chunks.input({ ...weather, runner: 'server' }, {}, {})).toEqual([
      {
        type: 'tool-input-start',
        toolCallId: 'c1',
        toolName: 'get_weather',
        toolMetadata: { gatewaySignature: callSignature },
      },
      {
        type: 'tool-input-available',
        toolCallId: 'c1',
        toolName: 'get_weather',
        input: { city: 'Nantes' },
        toolMetadata: { gatewaySignature: callSignature },
      },
    ]);
    expect(chunks.outcome(complete('c1', { result: { sky: 'clear' } }))).toEqual({
      type: 'tool-output-available',
      toolCallId: 'c1',
      output: { sky: 'clear' },
      toolMetadata: { gatewaySignature: signatures.signResult(weather, { output: { sky: 'clear' } }) },
    });
    expect(chunks.outcome(complete('c1', { error: { code: 'tool_error', message: 'down' } }))).toEqual({
      type: 'tool-output-error',
      toolCallId: 'c1',
      errorText: 'down',
      toolMetadata: { gatewaySignature: signatures.signResult(weather, { errorText: 'down' }) },
    });
    expect(chunks.outcome(complete('c1', { error: { code: 'user_denied', message: 'no' } }))).toEqual({
      type: 'tool-output-denied',
      toolCallId: 'c1',
    });
  });

  it("keeps a client-side call's nonce with its signature and leaves its outcome unsigned", () => {
    const chunks = createUiToolChunks(signatures);
    const call = { toolCallId: 'c2', toolName: 'get_time', input: {}, runner: 'client' as const };
    expect(chunks.input(call, { nonce: 'n2', expires_at: 100 }, {})[1]).toMatchObject({
      toolMetadata: { nonce: 'n2', expiresAt: 100, gatewaySignature: signatures.signCall(call) },
    });
    expect(chunks.outcome(complete('c2', { result: { time: '12:00' } }))).toEqual({
      type: 'tool-output-available',
      toolCallId: 'c2',
      output: { time: '12:00' },
    });
  });

  it("signs the outcome of a call announced in an earlier response, as the run's log has it", () => {
    const chunks = createUiToolChunks(signatures, [{ ...weather, runner: 'server' }]);
    expect(chunks.outcome(complete('c1', { result: 1 }))).toMatchObject({
      toolMetadata: { gatewaySignature: signatures.signResult(weather, { output: 1 }) },
    });
    expect(createUiToolChunks(undefined).input({ ...weather, runner: 'server' }, {}, {})[0]).toEqual({
      type: 'tool-input-start',
      toolCallId: 'c1',
      toolName: 'get_weather',
    });
  });
});
