import { HttpAgent } from '@ag-ui/client';
import { z } from 'zod';
import { tool } from '../../src/tools/define-tool.js';
import type { ClientTool, DefinedTool } from '../../src/tools/define-tool.js';
import type { CleanupStack } from './cleanup-stack.js';
import { startMockAgent, type StartMockAgentOptions } from './start-mock-agent.js';

/** A tool that waits for approval: one string input `field`, answered with `{ [resultKey]: value }`. */
interface GuardedTool {
  name: string;
  description: string;
  field: string;
  resultKey: string;
}

/**
 * Starts an agent against the mock upstream with two server tools: `guarded` (behind an
 * approval; each call's `field` value is recorded in `calls`) and `get_weather`, plus `extra`
 * tools; and opens a session.
 */
export async function startGuardedToolAgent(
  cleanup: CleanupStack,
  turns: StartMockAgentOptions['turns'],
  guarded: GuardedTool,
  options: {
    extra?: Array<DefinedTool | ClientTool>;
    spec?: StartMockAgentOptions['agent'];
    port?: number;
  } = {},
) {
  const calls: string[] = [];
  const started = await startMockAgent(cleanup, {
    turns,
    ...(options.port === undefined ? {} : { port: options.port }),
    agent: {
      needsApproval: (toolName) => toolName === guarded.name,
      tools: [
        tool({
          name: guarded.name,
          description: guarded.description,
          inputSchema: z.object({ [guarded.field]: z.string() }),
          execute: (input) => {
            const value = String(input[guarded.field]);
            calls.push(value);
            return { [guarded.resultKey]: value };
          },
        }),
        tool({
          name: 'get_weather',
          description: 'Weather of a city',
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => ({ city, sky: 'clear' }),
        }),
        ...(options.extra ?? []),
      ],
      ...options.spec,
    },
  });
  const session = await started.gateway.openSession();
  return { ...started, calls, session };
}

/** An AG-UI `HttpAgent` on the gateway's `/ag-ui` route for `token`, and a way to add a user turn. */
export function agUiAgentFor(baseUrl: string, token: string) {
  const agent = new HttpAgent({ url: `${baseUrl}/ag-ui`, headers: { Authorization: `Bearer ${token}` } });
  const say = (content: string): void => agent.addMessage({ id: crypto.randomUUID(), role: 'user', content });
  return { agent, say };
}
