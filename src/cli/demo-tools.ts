import { z } from 'zod';
import { tool } from '../tools/define-tool.js';

/**
 * Tools `serve --demo` gives an agent that has none of its own, one of each kind a client
 * meets: a server tool (a tool card), a tool that waits for a person's approval, and a tool the
 * client runs (a form in the playground). None of them reaches the outside world.
 */
export const demoTools = [
  tool({
    name: 'get_weather',
    description: 'Demo tool: the weather in a city (made up; no service is called).',
    inputSchema: z.object({ city: z.string().describe('City name, e.g. Lisbon') }),
    idempotent: true,
    execute: ({ city }) => ({ city, forecast: 'sunny', temperature_c: 21, source: 'demo data' }),
  }),
  tool({
    name: 'send_email',
    description: 'Demo tool: sends an email. A person approves every call; nothing is really sent.',
    inputSchema: z.object({
      to: z.string().describe('Recipient address'),
      subject: z.string(),
      body: z.string(),
    }),
    execute: ({ to, subject }) => ({
      sent: false,
      to,
      subject,
      note: 'demo mode: approved, but nothing was sent',
    }),
  }),
  tool({
    name: 'ask_user',
    description: 'Demo tool run by the client: asks the person a question and returns their answer.',
    inputSchema: z.object({ question: z.string() }),
    execute: 'client',
  }),
];

/** The demo tool that waits for approval. */
export const DEMO_APPROVAL_TOOL = 'send_email';
