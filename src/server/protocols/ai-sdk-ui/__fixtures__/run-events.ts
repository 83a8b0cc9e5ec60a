import type { GatewayEvent, ToolCallCompleteEvent, ToolCallStartEvent } from '../../../../core/events.js';

/** Builders of native run events for the UI message stream tests. */
export const text = (value: string): GatewayEvent => ({ type: 'text_delta', text: value });

export const thinking = (value: string): GatewayEvent => ({ type: 'thinking_delta', text: value });

export const toolStart = (
  id: string,
  name: string,
  input: Record<string, unknown> = {},
  location = 'backend',
): ToolCallStartEvent => ({
  type: 'tool_call_start',
  tool_call_id: id,
  tool_name: name,
  tool_input: input,
  execution_location: location,
  call_index: 0,
});

export const toolDone = (id: string, name: string, result: unknown, server: string | null = null): ToolCallCompleteEvent => ({
  type: 'tool_call_complete',
  tool_call_id: id,
  tool_name: name,
  result,
  error: null,
  duration_ms: 3,
  server,
});

export const toolFailed = (id: string, name: string, code: string, message: string): ToolCallCompleteEvent => ({
  type: 'tool_call_complete',
  tool_call_id: id,
  tool_name: name,
  result: null,
  error: { code, message },
  duration_ms: 3,
  server: null,
});

export const approvalRequest = (id: string, name: string, input: Record<string, unknown>, nonce: string): GatewayEvent => ({
  type: 'tool_approval_request',
  tool_call_id: id,
  nonce,
  expires_at: 2_000_000_000,
  tool_name: name,
  tool_input: input,
  resolved_qualifier: '',
});

export const outputChunk = (id: string, name: string, value: string, seq: number): GatewayEvent => ({
  type: 'tool_output_chunk',
  tool_call_id: id,
  tool_name: name,
  stream: 'stdout',
  text: value,
  seq,
});

export const complete = (): GatewayEvent => ({
  type: 'stream_complete',
  usage: {
    input_tokens: 812,
    output_tokens: 41,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 100,
    estimated_cost: 0.0031,
  },
});
