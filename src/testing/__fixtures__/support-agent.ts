import { z } from 'zod';
import { createAgent, tool } from '../../index.js';

const lookupOrder = tool({
  name: 'lookup_order',
  description: 'Look up an order.',
  inputSchema: z.object({ order_id: z.string() }),
  execute: ({ order_id }) => ({ order_id, status: 'shipped' }),
});

/** An agent module as a user writes it: its own model settings, a tool behind an approval. */
export default createAgent({
  systemPrompt: 'You are a support assistant.',
  model: 'claude-sonnet-4-6',
  tools: [lookupOrder],
  needsApproval: (toolName) => toolName === 'lookup_order',
});
