import { afterEach, describe, expect, it } from 'vitest';
import { createAgentLoop } from '../src/agent/create-agent-loop.js';
import type { GatewayEvent } from '../src/core/events.js';
import type { ToolInterceptor } from '../src/core/interceptor.js';
import { createGatewayApp } from '../src/server/create-gateway-app.js';
import type { ServerSpec } from '../src/server/contracts/server-spec.js';
import { createScriptedProvider, type ScriptedProvider } from '../src/testing/scripted-provider.js';
import { httpErrorTurn, textTurn, type ScriptedTurn } from '../src/testing/scripted-turn.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';
import { toolsOf } from '../src/tools/__fixtures__/dispatch-fixtures.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { followWithEventSource } from './helpers/follow-with-eventsource.js';
import { jsonOf, startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();

/** Waits until `predicate` holds (no fixed sleeps; bounded by waitFor's timeout). */
const until = (description: string, predicate: () => boolean | Promise<boolean>): Promise<true> =>
  waitFor(async () => ((await predicate()) ? true : undefined), { description });
afterEach(() => cleanup.run());

const warnOnReport: ToolInterceptor = {
  intercept: ({ toolName }) =>
    toolName === 'write_report' ? { action: 'warn', message: 'reports are audited' } : { action: 'allow' },
};

/** A run that produces every kind of event, paced so that a client can drop in the middle. */
const everyKindOfEvent = (): ScriptedTurn[] => [
  httpErrorTurn(529, { message: 'overloaded' }),
  {
    eventDelayMs: 5,
    blocks: [
      { type: 'thinking', text: 'I should measure first and then write it down.' },
      { type: 'text', text: 'Let me run the measurement and file the report for you.' },
      { type: 'tool_call', id: 'toolu_measure', name: 'measure', input: { target: 'disk' } },
      { type: 'tool_call', id: 'toolu_report', name: 'write_report', input: { title: 'Disk' } },
    ],
    usage: { inputTokens: 100, outputTokens: 40 },
  },
  {
    ...textTurn('Measured 42 and filed the report. Anything else you would like me to check today?'),
    eventDelayMs: 5,
  },
];

interface Harness {
  gateway: GatewayClient;
  provider: ScriptedProvider;
  /** Every event the server appended, per session. */
  serverEvents: Map<string, GatewayEvent[]>;
}

const startGateway = async (turns: ScriptedTurn[], server: ServerSpec = {}): Promise<Harness> => {
  const provider = createScriptedProvider({ turns });
  const serverEvents = new Map<string, GatewayEvent[]>();
  const loop = createAgentLoop({
    provider,
    model: 'scripted-model',
    retry: { baseDelayMs: 1 },
    stubWordDelayMs: 0,
  });
  const app = createGatewayApp({
    buildChatRuntime: () => ({
      systemPrompt: 'You measure and report.',
      model: 'scripted-model',
      createRunner(context) {
        const dispatcher = createToolDispatcher({
          tools: toolsOf(
            {
              measure: async (_input, tool) => {
                for (let line = 1; line <= 3; line += 1) {
                  tool.emit({
                    type: 'tool_output_chunk',
                    tool_call_id: tool.toolCallId,
                    tool_name: 'measure',
                    stream: 'stdout',
                    text: `sample ${line}\n`,
                    seq: line,
                  });
                  await new Promise((resolve) => setTimeout(resolve, 5));
                }
                return { value: 42 };
              },
              write_report: () => ({ filed: true }),
            },
            [
              { name: 'measure', description: 'Measures', input_schema: { type: 'object' } },
              { name: 'write_report', description: 'Files a report', input_schema: { type: 'object' } },
            ],
          ),
          interceptors: [warnOnReport],
          needsApproval: (name) => name === 'write_report',
          requestApproval: context.requestApproval,
          approvedToolTypes: context.approvedToolTypes,
        });
        return {
          run: (input) =>
            loop.run({
              ...input,
              tools: dispatcher,
              eventLog: context.eventLog,
              sessionId: context.session.sessionId,
              getToolDefinitions: () => dispatcher.getToolDefinitions(),
            }),
        };
      },
    }),
    hooks: {
      onEvent: (event, sessionId) => {
        const list = serverEvents.get(sessionId) ?? [];
        list.push(event);
        serverEvents.set(sessionId, list);
      },
    },
    server: {
      allowedModels: [],
      sseRetryMs: 50,
      heartbeatIntervalMs: 60_000,
      ...server,
    },
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { gateway, provider, serverEvents };
};

/** Starts a chat over POST, reads `frames` frames, then drops the connection. */
const chatThenDrop = async (gateway: GatewayClient, token: string, frames: number): Promise<string> => {
  const controller = new AbortController();
  const response = await gateway.chat(token, 'Measure the disk and file a report', {
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const reader = createSseReader(response);
  let lastId = '';
  for (let index = 0; index < frames; index += 1) {
    const frame = await reader.next();
    if (frame?.id !== undefined) lastId = `${frame.runId}:${frame.id}`;
  }
  controller.abort();
  await reader.cancel().catch(() => undefined);
  return lastId;
};

const approveWhenAsked =
  (gateway: GatewayClient, token: string) =>
  async (event: GatewayEvent): Promise<void> => {
    if (event.type !== 'tool_approval_request') return;
    const response = await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: event.tool_call_id, nonce: event.nonce, approved: true },
      { token },
    );
    expect(response.status).toBe(200);
  };

describe('resumable streams', () => {
  it('loses and duplicates nothing across a dropped POST and two dropped EventSource connections', async () => {
    const { gateway, serverEvents, provider } = await startGateway(everyKindOfEvent());
    const session = await gateway.openSession();
    const lastId = await chatThenDrop(gateway, session.token, 3);

    const followed = await followWithEventSource({
      url: `${gateway.baseUrl}/chat/stream?after=${lastId}`,
      token: session.token,
      cutAfterFrames: 4,
      cutConnections: 2,
      onEvent: approveWhenAsked(gateway, session.token),
    });

    const server = serverEvents.get(session.sessionId) ?? [];
    const seqs = followed.received.map(({ id }) => Number(id.split(':')[1]));
    // The first three events came over the dropped POST; the follower got exactly the rest.
    expect(seqs).toEqual(server.slice(3).map((_, index) => index + 4));
    expect(followed.received.map(({ event }) => event)).toEqual(server.slice(3));
    expect(followed.connections).toBeGreaterThanOrEqual(3);
    const types = new Set(server.map((event) => event.type));
    for (const type of [
      'stream_retry',
      'thinking_delta',
      'text_delta',
      'tool_call_start',
      'tool_output_chunk',
      'interceptor_decision',
      'tool_approval_request',
      'tool_call_complete',
      'stream_complete',
    ]) {
      expect(types).toContain(type);
    }
    expect(server.at(-1)?.type).toBe('stream_complete');
    provider.assertAllConsumed();
  });

  it('replays the tail and the terminal event of a finished run, then tells EventSource to stop', async () => {
    const { gateway, serverEvents } = await startGateway([textTurn('Short answer.')]);
    const session = await gateway.openSession();
    await chatThenDrop(gateway, session.token, 1);
    await until(
      'the run to finish',
      () => serverEvents.get(session.sessionId)?.at(-1)?.type === 'stream_complete',
    );

    const replay = await gateway.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': '1' },
    });
    expect(replay.status).toBe(200);
    const frames = [];
    const reader = createSseReader(replay);
    for (let frame = await reader.next(); frame !== undefined; frame = await reader.next())
      frames.push(frame);
    const server = serverEvents.get(session.sessionId) ?? [];
    expect(frames.map((frame) => frame.event)).toEqual(server.slice(1));
    const last = frames.at(-1);

    const done = await gateway.get('/chat/stream', {
      token: session.token,
      headers: { 'last-event-id': `${last?.runId}:${last?.id}` },
    });
    expect(done.status).toBe(204);
  });

  it('lets two followers of one run see identical sequences', async () => {
    const { gateway } = await startGateway(everyKindOfEvent());
    const session = await gateway.openSession();
    const lastId = await chatThenDrop(gateway, session.token, 2);
    const [first, second] = await Promise.all([
      followWithEventSource({
        url: `${gateway.baseUrl}/chat/stream?after=${lastId}`,
        token: session.token,
        onEvent: approveWhenAsked(gateway, session.token),
      }),
      followWithEventSource({ url: `${gateway.baseUrl}/chat/stream`, token: session.token }),
    ]);
    expect(first.received.at(-1)?.event.type).toBe('stream_complete');
    expect(second.received.slice(second.received.length - first.received.length)).toEqual(first.received);
    expect(second.received[0]?.id.endsWith(':1')).toBe(true);
  });

  it('cancels the active run on purpose: the stream ends with error "cancelled" and the model call is aborted', async () => {
    const { gateway, provider } = await startGateway([
      { ...textTurn('never finished'), stallAfterEvents: 2 },
    ]);
    const session = await gateway.openSession();
    const response = await gateway.chat(session.token, 'Start');
    const reader = createSseReader(response);
    await reader.next();

    const cancelled = await gateway.post('/chat/cancel', {}, { token: session.token });
    expect(cancelled.status).toBe(200);
    expect(await jsonOf(cancelled)).toMatchObject({ status: 'cancelled' });
    const frames = [];
    for (let frame = await reader.next(); frame !== undefined; frame = await reader.next())
      frames.push(frame);
    expect(frames.at(-1)?.event).toEqual({ type: 'error', error: 'cancelled' });
    expect(provider.signals[0]?.aborted).toBe(true);

    const again = await gateway.post('/chat/cancel', {}, { token: session.token });
    expect(again.status).toBe(404);
    expect(await jsonOf(again)).toEqual({ detail: 'No active run for this session' });
  });

  it('cancels a run nobody re-attached to once the grace period ends, and frees the session', async () => {
    const { gateway, provider, serverEvents } = await startGateway(
      [{ ...textTurn('never finished'), stallAfterEvents: 2 }, textTurn('Second chat works.')],
      { disconnectGraceMs: 100 },
    );
    const session = await gateway.openSession();
    await chatThenDrop(gateway, session.token, 1);
    await until(
      'the grace period to cancel the run',
      () => serverEvents.get(session.sessionId)?.at(-1)?.type === 'error',
    );
    expect(serverEvents.get(session.sessionId)?.at(-1)).toEqual({
      type: 'error',
      error: 'cancelled: no client re-attached within 0.1s',
    });
    expect(provider.signals[0]?.aborted).toBe(true);
    await until('the session lock to be released', async () => {
      const response = await gateway.chat(session.token, 'Again');
      if (response.status === 409) return false;
      await response.body?.cancel();
      return response.status === 200;
    });
  });

  it('answers 4xx for a foreign run id, an id beyond the run, garbage, and a session without runs', async () => {
    const { gateway } = await startGateway([textTurn('One.'), textTurn('Two.')]);
    const first = await gateway.openSession();
    const second = await gateway.openSession();
    const expectDetail = async (
      token: string,
      lastEventId: string | undefined,
      status: number,
      detail: RegExp,
    ) => {
      const response = await gateway.get('/chat/stream', {
        token,
        headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
      });
      expect(response.status).toBe(status);
      expect(String((await jsonOf(response)).detail)).toMatch(detail);
    };
    await expectDetail(first.token, undefined, 404, /No run to resume for this session/);

    const firstRun = await chatThenDrop(gateway, first.token, 1);
    const secondRun = await chatThenDrop(gateway, second.token, 1);
    await expectDetail(second.token, firstRun, 404, /is not this session's current or most recent run/);
    await expectDetail(first.token, `${firstRun.split(':')[0]}:9999`, 400, /beyond the last event/);
    await expectDetail(first.token, 'not-an-id', 400, /Invalid Last-Event-ID/);
    await expectDetail(first.token, '-3', 400, /Invalid Last-Event-ID/);
    expect(secondRun).not.toEqual(firstRun);
  });
});
