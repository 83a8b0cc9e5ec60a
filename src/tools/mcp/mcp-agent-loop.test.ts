import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentLoop } from '../../agent/create-agent-loop.js';
import { EventLog } from '../../agent/event-log.js';
import { silentLogger } from '../../core/logger.js';
import type { ToolCallCompleteEvent } from '../../core/events.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { everythingStdioConfig } from './__fixtures__/real-mcp-servers.js';
import { createRecordingMcpLogger } from './__fixtures__/recording-mcp-logger.js';
import { createMcpClientManager } from './create-mcp-client-manager.js';
import type { McpClientManager } from './create-mcp-client-manager.js';

describe('MCP tools through the agent loop', () => {
  let manager: McpClientManager;

  beforeAll(async () => {
    manager = createMcpClientManager({
      configPath: null,
      servers: { everything: everythingStdioConfig() },
      logger: createRecordingMcpLogger().logger,
    });
    await manager.start();
  });
  afterAll(async () => {
    await manager.close();
  });

  it('advertises the tools, runs a call on the server, and goes on after an error result', async () => {
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn('echo', {}, { id: 'call_bad' }),
        toolCallTurn('echo', { message: 'through the loop' }, { id: 'call_good' }),
        textTurn('Done.'),
      ],
    });
    const dispatcher = createToolDispatcher({ remote: manager, logger: silentLogger });
    const eventLog = new EventLog();
    const loop = createAgentLoop({ provider, model: 'scripted-model', logger: silentLogger });

    const result = await loop.run({
      eventLog,
      tools: dispatcher,
      getToolDefinitions: () => dispatcher.getToolDefinitions(),
      sessionId: 'sess_mcp',
      messages: [{ role: 'user', content: 'echo something' }],
    });

    expect(result.outcome).toBe('completed');
    provider.assertAllConsumed();
    const advertised = provider.requests[0]?.tools?.map(({ name }) => name) ?? [];
    expect(advertised).toEqual(expect.arrayContaining(['echo', 'get-sum']));

    const completions = eventLog
      .entries()
      .map(({ event }) => event)
      .filter((event): event is ToolCallCompleteEvent => event.type === 'tool_call_complete');
    expect(completions).toEqual([
      expect.objectContaining({
        tool_call_id: 'call_bad',
        result: null,
        error: expect.objectContaining({ code: 'mcp_tool_error' }) as unknown,
        server: 'everything',
      }),
      expect.objectContaining({
        tool_call_id: 'call_good',
        result: { text: 'Echo: through the loop' },
        error: null,
        server: 'everything',
      }),
    ]);
  });
});
