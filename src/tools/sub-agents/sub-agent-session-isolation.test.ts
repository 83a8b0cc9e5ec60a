import { afterEach, describe, expect, it } from 'vitest';
import type { ToolContext } from '../../core/tool.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import { createInMemoryMcpServer } from '../mcp/__fixtures__/in-memory-mcp-server.js';
import { buildToolServer, createManagerPool } from '../mcp/__fixtures__/tool-server.js';
import { createToolDispatcher } from '../tool-dispatcher.js';
import { pairTools } from '../pair-tools.js';
import { toolContext, toolkitOptions } from './__fixtures__/sub-agent-fixtures.js';
import { createSubAgentToolkit, type SubAgentToolkit } from './create-sub-agent-toolkit.js';

// Two parent sessions whose ids agree on far more than the 12 characters that once named a
// sub-agent's session: any prefix-derived key would make them collide.
const FIRST_SESSION = 'sess_SharedPrefixSharedPrefix_first';
const SECOND_SESSION = 'sess_SharedPrefixSharedPrefix_second';

const pool = createManagerPool();
const toolkits: SubAgentToolkit[] = [];

afterEach(async () => {
  await Promise.all(toolkits.splice(0).map((toolkit) => toolkit.close({ cancel: true })));
  await pool.closeAll();
});

/** A per-session notebook, the kind of state a deployment's tool keeps by `context.sessionId`. */
function createNotebook(): {
  seenSessionIds: string[];
  handlers: Record<string, (input: Record<string, unknown>, context: ToolContext) => unknown>;
} {
  const notes = new Map<string, string>();
  const seenSessionIds: string[] = [];
  return {
    seenSessionIds,
    handlers: {
      remember: (input, context) => {
        seenSessionIds.push(context.sessionId);
        notes.set(context.sessionId, String(input.note));
        return { stored: true };
      },
      recall: (_input, context) => {
        seenSessionIds.push(context.sessionId);
        return { note: notes.get(context.sessionId) ?? null };
      },
    },
  };
}

describe('sub-agent tools are keyed by the full parent session id', () => {
  it('does not let a sub-agent of one session read what a sub-agent of another session stored', async () => {
    const notebook = createNotebook();
    const definitions = ['remember', 'recall'].map((name) => ({
      name,
      description: `${name} a note`,
      input_schema: { type: 'object' as const, properties: { note: { type: 'string' } } },
    }));
    const buildSubAgentTools = () => {
      const executor = createToolDispatcher({ tools: pairTools(notebook.handlers, definitions) });
      return { executor, definitions: executor.getToolDefinitions() };
    };
    const writerProvider = createScriptedProvider({
      turns: [toolCallTurn('remember', { note: 'the first session secret' }), textTurn('stored')],
    });
    const readerProvider = createScriptedProvider({
      turns: [toolCallTurn('recall', {}), textTurn('recalled')],
    });
    const writer = await createSubAgentToolkit(
      toolkitOptions(writerProvider, { parentSessionId: FIRST_SESSION, buildSubAgentTools }),
    );
    const reader = await createSubAgentToolkit(
      toolkitOptions(readerProvider, { parentSessionId: SECOND_SESSION, buildSubAgentTools }),
    );
    toolkits.push(writer, reader);

    await writer.handlers.run_agent(
      { task: 'store a note', model: 'scripted-model' },
      toolContext({ sessionId: FIRST_SESSION }),
    );
    await reader.handlers.run_agent(
      { task: 'read the note', model: 'scripted-model' },
      toolContext({ sessionId: SECOND_SESSION }),
    );

    expect(notebook.seenSessionIds).toEqual([FIRST_SESSION, SECOND_SESSION]);
    const readerRequests = readerProvider.requests;
    const recallResult = JSON.stringify(readerRequests.at(-1)?.messages.at(-1));
    expect(recallResult).toContain('"note\\":null');
    expect(recallResult).not.toContain('first session secret');
    readerProvider.assertAllConsumed();
    writerProvider.assertAllConsumed();
  });

  it('injects the full parent session id as _session_id into MCP calls made by a sub-agent', async () => {
    const manager = await pool.start({
      servers: { injected: createInMemoryMcpServer(buildToolServer).config },
      sessionInjectServers: ['injected'],
    });
    const buildSubAgentTools = () => {
      const executor = createToolDispatcher({ remote: manager });
      return { executor, definitions: executor.getToolDefinitions() };
    };
    const provider = createScriptedProvider({
      turns: [toolCallTurn('echo_args', { text: 'who am I' }), textTurn('done')],
    });
    const toolkit = await createSubAgentToolkit(
      toolkitOptions(provider, { parentSessionId: SECOND_SESSION, buildSubAgentTools }),
    );
    toolkits.push(toolkit);

    await toolkit.handlers.run_agent(
      { task: 'call the MCP tool', model: 'scripted-model' },
      toolContext({ sessionId: SECOND_SESSION }),
    );

    const toolResult = JSON.stringify(provider.requests.at(-1)?.messages.at(-1));
    expect(toolResult).toContain(`_session_id\\":\\"${SECOND_SESSION}`);
    provider.assertAllConsumed();
  });

  it('gives observers the short sub<i> label together with the full parent session id', async () => {
    const labels: string[] = [];
    const provider = createScriptedProvider({ turns: [textTurn('hi')] });
    const toolkit = await createSubAgentToolkit(
      toolkitOptions(provider, {
        parentSessionId: FIRST_SESSION,
        onSubAgentEvent: (_event, label, parentSessionId) => {
          labels.push(`${label} of ${parentSessionId}`);
        },
      }),
    );
    toolkits.push(toolkit);
    await toolkit.handlers.run_agent({ task: 'say hi', model: 'scripted-model' }, toolContext());
    expect(new Set(labels)).toEqual(new Set([`sub0:${FIRST_SESSION.slice(0, 12)} of ${FIRST_SESSION}`]));
  });
});
