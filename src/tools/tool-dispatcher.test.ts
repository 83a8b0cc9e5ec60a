import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ToolError } from '../core/tool.js';
import type { ToolContext } from '../core/tool.js';
import { callOf, recordingEnvironment as environment, toolsOf } from './__fixtures__/dispatch-fixtures.js';
import { tool } from './define-tool.js';
import { createToolDispatcher } from './tool-dispatcher.js';

describe('createToolDispatcher: local handlers', () => {
  it('returns a handler result as a successful outcome', async () => {
    const dispatcher = createToolDispatcher({
      tools: toolsOf({ add: (input) => Number(input.a) + Number(input.b) }),
    });
    expect(await dispatcher.dispatch(callOf('add', { a: 2, b: 3 }), environment().value)).toEqual({
      ok: true,
      result: 5,
      server: null,
    });
  });

  it('turns an undefined result into null', async () => {
    const dispatcher = createToolDispatcher({ tools: toolsOf({ noop: () => undefined }) });
    expect(await dispatcher.dispatch(callOf('noop'), environment().value)).toEqual({
      ok: true,
      result: null,
      server: null,
    });
  });

  it('gives the handler its context and a working emit', async () => {
    let received: ToolContext | undefined;
    const signal = new AbortController().signal;
    const dispatcher = createToolDispatcher({
      tools: toolsOf({
        run_agent(_input, context) {
          received = context;
          context.emit({
            type: 'tool_output_chunk',
            tool_call_id: context.toolCallId,
            tool_name: context.toolName,
            stream: 'stdout',
            text: 'hello',
            seq: 1,
          });
          return 'done';
        },
      }),
    });
    const { events, value } = environment(signal);
    await dispatcher.dispatch({ id: 'call_9', name: 'run_agent', input: {}, callIndex: 2 }, value);
    expect(received).toMatchObject({
      toolCallId: 'call_9',
      toolName: 'run_agent',
      callIndex: 2,
      sessionId: 'session_1',
      resolvedQualifier: '',
    });
    expect(received?.signal).toBe(signal);
    expect(events).toEqual([
      {
        type: 'tool_output_chunk',
        tool_call_id: 'call_9',
        tool_name: 'run_agent',
        stream: 'stdout',
        text: 'hello',
        seq: 1,
      },
    ]);
  });

  it('reports a thrown ToolError with its code and sub code', async () => {
    const dispatcher = createToolDispatcher({
      tools: toolsOf({
        fetch_page() {
          throw new ToolError('http_error', 'Upstream said 404', { subCode: 'not_found' });
        },
      }),
    });
    expect(await dispatcher.dispatch(callOf('fetch_page'), environment().value)).toEqual({
      ok: false,
      error: { code: 'http_error', message: 'Upstream said 404', sub_code: 'not_found' },
      server: null,
    });
  });

  it('reports any other throw as tool_error', async () => {
    const dispatcher = createToolDispatcher({
      tools: toolsOf({ explode: () => Promise.reject(new RangeError('index out of range')) }),
    });
    expect(await dispatcher.dispatch(callOf('explode'), environment().value)).toEqual({
      ok: false,
      error: { code: 'tool_error', message: 'index out of range' },
      server: null,
    });
  });

  it('settles with cancelled when the signal aborts, even if the handler ignores it', async () => {
    const controller = new AbortController();
    let started: () => void = () => undefined;
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const dispatcher = createToolDispatcher({
      tools: toolsOf({
        hang() {
          started();
          return new Promise(() => undefined);
        },
      }),
    });
    const outcome = dispatcher.dispatch(callOf('hang'), environment(controller.signal).value);
    await handlerStarted;
    controller.abort();
    expect(await outcome).toEqual({
      ok: false,
      error: { code: 'cancelled', message: 'Task was cancelled' },
      server: null,
    });
  });

  it('reports cancelled when the handler throws because its signal aborted', async () => {
    const controller = new AbortController();
    const dispatcher = createToolDispatcher({
      tools: toolsOf({
        wait: (_input, context) =>
          new Promise((_resolve, reject) => {
            context.signal.addEventListener('abort', () => reject(new Error('aborted')));
            controller.abort();
          }),
      }),
    });
    const outcome = await dispatcher.dispatch(callOf('wait'), environment(controller.signal).value);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it('does not start a call whose signal is already aborted', async () => {
    let ran = false;
    const dispatcher = createToolDispatcher({
      tools: toolsOf({
        side_effect() {
          ran = true;
        },
      }),
    });
    const outcome = await dispatcher.dispatch(callOf('side_effect'), environment(AbortSignal.abort()).value);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(ran).toBe(false);
  });

  it('runs tools from the tool() helper, validating their input', async () => {
    const greet = tool({
      name: 'greet',
      description: 'Greets',
      inputSchema: z.object({ who: z.string() }),
      execute: ({ who }) => `hello ${who}`,
    });
    const dispatcher = createToolDispatcher({ tools: [greet] });
    expect(await dispatcher.dispatch(callOf('greet', { who: 'Ada' }), environment().value)).toMatchObject({
      ok: true,
      result: 'hello Ada',
    });
    expect(await dispatcher.dispatch(callOf('greet', {}), environment().value)).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    });
  });
});
