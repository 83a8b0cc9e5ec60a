/**
 * Local tools: TypeScript functions the model can call, dispatched by the same loop as MCP tools.
 *
 Every tool is declared with `tool()`, whose `inputSchema` is either:
 * - a JSON Schema object (the original's shape; the schema is yours to write and `execute`
 *   receives the raw input);
 * - a zod schema: the JSON Schema is derived from it and the input is validated and typed
 *   before `execute` runs.
 *
 *   npx agent-gateway serve examples/03-local-tools/agent.ts
 */
import { z } from 'zod';
import { createAgent, tool, ToolError } from 'ai-agent-gateway';

/** A stand-in for your database. */
const orders = new Map([
  ['A-1001', { status: 'shipped', carrier: 'DHL', items: 2 }],
  ['A-1002', { status: 'processing', carrier: null, items: 1 }],
]);

/** A JSON Schema tool: `execute` receives the model's input as-is, so it checks what it needs. */
const lookupOrder = tool({
  name: 'lookup_order',
  description: 'Look up the status of a customer order by its id (for example A-1001).',
  inputSchema: {
    type: 'object',
    properties: { order_id: { type: 'string', description: 'The order id, e.g. A-1001.' } },
    required: ['order_id'],
  },
  execute: async (input) => {
    const orderId = typeof input.order_id === 'string' ? input.order_id.trim().toUpperCase() : '';
    // Real handlers await I/O here (a database, an internal API); the signal in the second
    // argument is aborted when the chat is cancelled.
    const order = await Promise.resolve(orders.get(orderId));
    // A ToolError reaches the model as `{ error: { code, message } }`, so it can correct itself.
    if (order === undefined) throw new ToolError('not_found', `No order with id ${orderId || '(empty)'}`);
    return { order_id: orderId, ...order };
  },
});

/** A typed tool: `input` is `{ value: number; to: 'celsius' | 'fahrenheit' }`. */
const convertTemperature = tool({
  name: 'convert_temperature',
  description: 'Convert a temperature between Celsius and Fahrenheit.',
  inputSchema: z.object({
    value: z.number().describe('The temperature to convert.'),
    to: z.enum(['celsius', 'fahrenheit']).describe('The unit to convert to.'),
  }),
  execute: ({ value, to }) => {
    const converted = to === 'celsius' ? ((value - 32) * 5) / 9 : (value * 9) / 5 + 32;
    return { value: Math.round(converted * 10) / 10, unit: to };
  },
});

export default createAgent({
  systemPrompt:
    'You are a support assistant. Use lookup_order for order questions and convert_temperature for unit conversions.',
  tools: [lookupOrder, convertTemperature],
});
