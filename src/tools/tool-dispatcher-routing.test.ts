import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  callOf,
  createFakeRemote,
  definitionOf,
  recordingEnvironment as environment,
  toolsOf,
} from './__fixtures__/dispatch-fixtures.js';
import { tool } from './define-tool.js';
import { createToolDenyList } from './interceptors/create-tool-deny-list.js';
import { createToolDispatcher } from './tool-dispatcher.js';
import { silentLogger } from '../core/logger.js';

describe('createToolDispatcher: routing', () => {
  it('routes a remote tool to the remote source and passes its server through', async () => {
    const { calls, remote } = createFakeRemote({ search: { server: 'web' } });
    const dispatcher = createToolDispatcher({ remote });
    const signal = new AbortController().signal;
    const outcome = await dispatcher.dispatch(callOf('search', { q: 'mcp' }), environment(signal).value);
    expect(outcome).toEqual({ ok: true, result: { from: 'search' }, server: 'web' });
    expect(calls).toEqual([{ name: 'search', input: { q: 'mcp' }, signal }]);
  });

  it('prefers a local handler over a remote tool of the same name', async () => {
    const { calls, remote } = createFakeRemote({ search: { server: 'web' } });
    const dispatcher = createToolDispatcher({ remote, tools: toolsOf({ search: () => 'local' }) });
    expect(await dispatcher.dispatch(callOf('search'), environment().value)).toMatchObject({
      ok: true,
      result: 'local',
      server: null,
    });
    expect(calls).toEqual([]);
  });

  it('turns a remote source that throws into a tool_error naming its server', async () => {
    const { remote } = createFakeRemote({ search: { server: 'web' } });
    remote.callTool = () => Promise.reject(new Error('socket closed'));
    const dispatcher = createToolDispatcher({ remote });
    expect(await dispatcher.dispatch(callOf('search'), environment().value)).toEqual({
      ok: false,
      error: { code: 'tool_error', message: 'socket closed' },
      server: 'web',
    });
  });

  it('answers unknown_tool for a name nobody handles', async () => {
    const { remote } = createFakeRemote({ search: { server: 'web' } });
    const dispatcher = createToolDispatcher({ remote });
    expect(await dispatcher.dispatch(callOf('client_only'), environment().value)).toEqual({
      ok: false,
      error: { code: 'unknown_tool', message: 'Unknown tool: client_only' },
      server: null,
    });
    expect(dispatcher.hasTool('client_only')).toBe(false);
    expect(dispatcher.hasTool('search')).toBe(true);
  });

  it('reports every tool as running on the backend', () => {
    const dispatcher = createToolDispatcher({ tools: toolsOf({ add: () => 0 }) });
    expect(dispatcher.executionLocation('add')).toBe('backend');
    expect(dispatcher.executionLocation('missing')).toBe('backend');
  });
});
describe('createToolDispatcher: interceptors in the pipeline', () => {
  it('does not run a denied tool and emits the decision', async () => {
    let ran = false;
    const dispatcher = createToolDispatcher({
      tools: toolsOf({
        shell() {
          ran = true;
        },
      }),
      interceptors: [createToolDenyList({ deny: ['shell'] })],
    });
    const { events, value } = environment();
    expect(await dispatcher.dispatch(callOf('shell'), value)).toEqual({
      ok: false,
      error: { code: 'tool_denied', message: "Tool 'shell' is not allowed by policy" },
      server: null,
    });
    expect(ran).toBe(false);
    expect(events).toHaveLength(1);
  });

  it('attaches warnings to a successful local or remote outcome', async () => {
    const { remote } = createFakeRemote({
      search: { server: 'web', outcome: { ok: true, result: 1, server: 'web', warnings: ['from server'] } },
    });
    const dispatcher = createToolDispatcher({
      remote,
      tools: toolsOf({ add: () => 2 }),
      interceptors: [{ intercept: () => ({ action: 'warn', message: 'audited' }) }],
    });
    expect(await dispatcher.dispatch(callOf('add'), environment().value)).toEqual({
      ok: true,
      result: 2,
      server: null,
      warnings: ['audited'],
    });
    expect(await dispatcher.dispatch(callOf('search'), environment().value)).toEqual({
      ok: true,
      result: 1,
      server: 'web',
      warnings: ['from server', 'audited'],
    });
  });

  it('shows the interceptor the call id, name, input and session', async () => {
    const seen: unknown[] = [];
    const dispatcher = createToolDispatcher({
      tools: toolsOf({ add: () => 0 }),
      interceptors: [
        {
          intercept(context) {
            seen.push(context);
            return { action: 'allow' };
          },
        },
      ],
      logger: silentLogger,
    });
    await dispatcher.dispatch(callOf('add', { a: 1 }, 'call_7'), environment().value);
    expect(seen).toEqual([
      { toolCallId: 'call_7', toolName: 'add', toolInput: { a: 1 }, sessionId: 'session_1' },
    ]);
  });
});
describe('createToolDispatcher: getToolDefinitions', () => {
  it('lists remote definitions first, then local ones, dropping remote names a local tool claims', () => {
    const { remote } = createFakeRemote({
      search: { server: 'web' },
      add: { server: 'math' },
    });
    const greet = tool({
      name: 'greet',
      description: 'Greets',
      inputSchema: z.object({}),
      execute: () => 'hi',
    });
    const dispatcher = createToolDispatcher({
      remote,
      tools: [greet, ...toolsOf({ add: () => 0 }, [definitionOf('add', 'local add')])],
    });
    expect(dispatcher.getToolDefinitions().map(({ name, description }) => [name, description])).toEqual([
      ['search', 'remote search'],
      ['greet', 'Greets'],
      ['add', 'local add'],
    ]);
  });

  it('asks the remote source each time, so refreshed remote tools appear', () => {
    const { remote } = createFakeRemote({ search: { server: 'web' } });
    const dispatcher = createToolDispatcher({ remote });
    expect(dispatcher.getToolDefinitions()).toHaveLength(1);
    remote.getToolDefinitions = () => [definitionOf('search'), definitionOf('fetch')];
    expect(dispatcher.getToolDefinitions().map(({ name }) => name)).toEqual(['search', 'fetch']);
  });
});
