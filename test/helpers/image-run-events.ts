import type { GatewayEvent } from '../../src/core/events.js';

export const MiB = 1024 * 1024;

/** A tool result carrying one image of 1 MiB, its own string (not shared with others). */
export const imageResult = (index: number): GatewayEvent => ({
  type: 'tool_call_complete',
  tool_call_id: `call_${index}`,
  tool_name: 'code_execute',
  result: { images: [String(index % 10).repeat(MiB)] },
  error: null,
  duration_ms: 1,
  server: null,
});

/** The terminal event of a run that used no tokens. */
export const completeWithoutUsage: GatewayEvent = {
  type: 'stream_complete',
  usage: {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    estimated_cost: 0,
  },
};
