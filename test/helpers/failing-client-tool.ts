import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import type { CleanupStack } from './cleanup-stack.js';
import { createSseReader } from './sse-reader.js';
import { startMockAgent, type StartMockAgentOptions } from './start-mock-agent.js';
import { clientToolsFrom } from './tools-from.js';

/**
 * Runs one chat in which the model calls the client-side tool `get_location` and the client
 * answers with `error` (a client chooses its code and message, of any length), then reads the
 * run to its end. Resolves with the gateway, for what the test checks afterwards.
 */
export async function runFailingClientTool(
  cleanup: CleanupStack,
  error: { code: string; message: string },
  agent: StartMockAgentOptions['agent'] = {},
) {
  const started = await startMockAgent(cleanup, {
    turns: [toolCallTurn('get_location', {}, { id: 'toolu_loc' }), textTurn('Sorry.')],
    agent: {
      tools: [
        ...clientToolsFrom([
          { name: 'get_location', description: 'Read by the browser', input_schema: { type: 'object' } },
        ]),
      ],
      ...agent,
    },
  });
  const { gateway } = started;
  const session = await gateway.openSession();
  const reader = createSseReader(await gateway.chat(session.token, 'Where am I?'));
  const start = await reader.nextOfType('tool_call_start');
  const answer = await gateway.post(
    '/chat/tool-result',
    { tool_call_id: start.tool_call_id, nonce: start.nonce, result: null, error },
    { token: session.token },
  );
  if (answer.status !== 200) throw new Error(`the tool result was answered ${answer.status}`);
  await reader.rest();
  return started;
}
