/**
 * Other agents call this one: over A2A (`POST /api/a2a`, card at
 * `/.well-known/agent-card.json`) and as an MCP server (`/api/mcp`, one tool). The agent looks
 * up order statuses; refunding an order needs a person's approval, which reaches an A2A caller
 * as `input-required` and an MCP host as an elicitation.
 *
 *   npx agent-gateway serve examples/13-agent-protocols/agent.ts
 *   npx tsx examples/13-agent-protocols/a2a-client.ts "Refund order 1042"
 *   npx tsx examples/13-agent-protocols/mcp-client.ts "What is the status of order 1042?"
 */
import { z } from 'zod';
import { createAgent, tool } from 'ai-agent-gateway';

const statuses: Record<string, string> = { '1042': 'shipped', '1043': 'being packed' };
/** Orders refunded so far (kept in memory: this is an example). */
export const refunded: string[] = [];

const orderStatus = tool({
  name: 'order_status',
  description: 'The shipping status of an order.',
  inputSchema: z.object({
    order: z
      .string()
      .regex(/^\d{1,10}$/)
      .describe('Order number, e.g. 1042'),
  }),
  execute: ({ order }) => ({ order, status: statuses[order] ?? 'unknown order' }),
});

const refundOrder = tool({
  name: 'refund_order',
  description: 'Refunds an order in full. A person approves every refund.',
  inputSchema: z.object({ order: z.string().regex(/^\d{1,10}$/) }),
  execute: ({ order }) => {
    refunded.push(order);
    return { order, refunded: true };
  },
});

export default createAgent({
  systemPrompt: 'You answer questions about orders and refund them when asked.',
  tools: [orderStatus, refundOrder],
  needsApproval: (toolName) => toolName === 'refund_order',
  tracing: { agentName: 'orders' },
  server: {
    a2a: { description: 'Answers questions about orders and refunds them (with approval).' },
    mcp: { toolName: 'ask_orders' },
  },
});
