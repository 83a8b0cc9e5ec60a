import { fileURLToPath } from 'node:url';
import { context, propagation, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { httpErrorTurn, textTurn, toolCallTurn, type ScriptedTurn } from '../../src/testing/scripted-turn.js';
import { tool } from '../../src/tools/define-tool.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { everythingServer } from '../helpers/mcp-everything.js';
import { createSseReader, eventsOf, readAllSseFrames } from '../helpers/sse-reader.js';
import { startMockAgent, type StartMockAgentOptions } from '../helpers/start-mock-agent.js';
import { waitFor } from '../helpers/wait-for.js';
import { runFailingClientTool } from '../helpers/failing-client-tool.js';

/*
 * The GenAI span tree, read from the OpenTelemetry SDK's in-memory exporter with the SDK
 * registered the way docs/observability.md tells users to (context manager and W3C propagator
 * included).
 */

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const cleanup = createCleanupStack();

beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});
afterEach(async () => {
  await cleanup.run();
  exporter.reset();
});

const weather = tool({
  name: 'get_weather',
  description: 'Weather of a city',
  inputSchema: z.object({ city: z.string() }),
  execute: ({ city }) => ({ city, sky: 'clear' }),
});

async function chatOnce(turns: ScriptedTurn[], agent: StartMockAgentOptions['agent'] = {}, headers = {}) {
  const { gateway } = await startMockAgent(cleanup, { turns, agent: { tools: [weather], ...agent } });
  const session = await gateway.openSession();
  const events = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'Hello', { headers })));
  return { events, session, gateway, spans: await runSpans() };
}

/** Waits for the run span to end (it ends just after the terminal event) and returns every span. */
async function runSpans(count = 1): Promise<ReadableSpan[]> {
  await waitFor(() =>
    exporter.getFinishedSpans().filter((span) => span.name.startsWith('invoke_agent')).length >= count
      ? true
      : undefined,
  );
  return exporter.getFinishedSpans();
}

const named = (spans: readonly ReadableSpan[], name: string): ReadableSpan[] =>
  spans.filter((span) => span.name === name);
const one = (spans: readonly ReadableSpan[], name: string): ReadableSpan => {
  const found = named(spans, name);
  expect(found, `one span named ${name}`).toHaveLength(1);
  return found[0] as ReadableSpan;
};
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

describe('OpenTelemetry GenAI traces', () => {
  it('traces a chat with a tool as invoke_agent > chat, execute_tool, chat', async () => {
    const { spans, session } = await chatOnce([
      toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w1' }),
      { ...textTurn('Clear.'), usage: { inputTokens: 10, outputTokens: 3, cacheReadTokens: 5 } },
    ]);

    const run = one(spans, 'invoke_agent agent');
    const chats = named(spans, 'chat claude-sonnet-4-6');
    const toolSpan = one(spans, 'execute_tool get_weather');
    expect(chats).toHaveLength(2);
    for (const child of [...chats, toolSpan]) {
      expect(parentOf(child)).toBe(run.spanContext().spanId);
      expect(child.spanContext().traceId).toBe(run.spanContext().traceId);
    }
    expect(run.kind).toBe(SpanKind.INTERNAL);
    expect(run.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.agent.name': 'agent',
      'gen_ai.request.model': 'claude-sonnet-4-6',
      'gen_ai.conversation.id': session.sessionId,
      'gateway.session.id': session.sessionId,
      'gateway.run.outcome': 'completed',
      'gateway.run.turns': 2,
    });
    expect(run.attributes['gateway.run.id']).toMatch(/^[0-9a-f]{36}$/);
    expect(run.status.code).toBe(SpanStatusCode.UNSET);

    const last = chats[1] as ReadableSpan;
    expect(last.kind).toBe(SpanKind.CLIENT);
    expect(last.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-6',
      'gen_ai.response.finish_reasons': ['end_turn'],
      // Cached input counts as input, as the conventions ask.
      'gen_ai.usage.input_tokens': 15,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.usage.cache_read.input_tokens': 5,
      'gateway.retries': 0,
    });
    expect(last.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    expect((chats[0] as ReadableSpan).attributes['gen_ai.response.finish_reasons']).toEqual(['tool_use']);

    expect(toolSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'toolu_w1',
      'gen_ai.tool.type': 'function',
    });
    // No content unless asked for.
    for (const span of spans) {
      expect(
        Object.keys(span.attributes).filter((key) => /messages|arguments|result|instructions/.test(key)),
      ).toEqual([]);
    }
  });

  it('records who a run is for as enduser.id: a hash of its principal, never the subject', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [textTurn('one'), textTurn('two'), textTurn('three')],
      agent: {
        server: {
          auth: {
            authenticate: (request: Request) => {
              const subject = request.headers.get('x-user');
              return subject === null ? null : { subject, tenant: 'acme', scopes: [], claims: {} };
            },
          },
        },
      },
    });
    const chatAs = async (user: string): Promise<void> => {
      const response = await gateway.post(
        '/chat',
        { messages: [{ role: 'user', content: 'Hi' }] },
        {
          headers: { 'x-user': user },
        },
      );
      await readAllSseFrames(response);
    };
    await chatAs('ada@example.com');
    await chatAs('ada@example.com');
    await chatAs('bob@example.com');
    const runs = named(await runSpans(3), 'invoke_agent agent');
    const ids = runs.map((span) => span.attributes['enduser.id']);
    expect(ids[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(JSON.stringify(runs.map((span) => span.attributes))).not.toContain('example.com');
  });

  it('records content only with tracing.captureContent', async () => {
    const { spans } = await chatOnce(
      [toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w2' }), textTurn('Clear in Nantes.')],
      { tracing: { captureContent: true, agentName: 'weather-bot' } },
    );
    const run = one(spans, 'invoke_agent weather-bot');
    expect(run.attributes['gen_ai.system_instructions']).toBe(JSON.stringify('You are a test agent.'));
    expect(String(run.attributes['gen_ai.input.messages'])).toContain('Hello');
    expect(String(run.attributes['gen_ai.output.messages'])).toContain('Clear in Nantes.');
    const toolSpan = one(spans, 'execute_tool get_weather');
    expect(toolSpan.attributes['gen_ai.tool.call.arguments']).toBe('{"city":"Nantes"}');
    expect(toolSpan.attributes['gen_ai.tool.call.result']).toBe('{"city":"Nantes","sky":"clear"}');
  });

  it('types an MCP tool as an extension and names its server', async () => {
    const { spans } = await chatOnce(
      [toolCallTurn('echo', { message: 'hi' }, { id: 'toolu_e1' }), textTurn('Echoed.')],
      { mcp: { servers: { everything: everythingServer() } } },
    );
    expect(one(spans, 'execute_tool echo').attributes).toMatchObject({
      'gen_ai.tool.type': 'extension',
      'gateway.tool.server': 'everything',
    });
  }, 60_000);

  it('records a retried model call as an event on its chat span', async () => {
    const { spans, events } = await chatOnce([
      httpErrorTurn(529, { message: 'Overloaded', retryAfterSeconds: 0 }),
      textTurn('Recovered.'),
    ]);
    expect(events.at(-1)?.type).toBe('stream_complete');
    const chat = one(spans, 'chat claude-sonnet-4-6');
    expect(chat.attributes['gateway.retries']).toBe(1);
    expect(chat.events.map((event) => [event.name, event.attributes])).toEqual([
      ['gateway.retry', { attempt: 0, 'error.type': 'upstream_overloaded' }],
    ]);
    expect(chat.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a failed run and its model call as errors with a low-cardinality error.type', async () => {
    const { spans } = await chatOnce([httpErrorTurn(401, { message: 'invalid x-api-key' })]);
    const run = one(spans, 'invoke_agent agent');
    const chat = one(spans, 'chat claude-sonnet-4-6');
    for (const span of [run, chat]) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('upstream_auth_failed');
    }
    expect(run.attributes['gateway.run.outcome']).toBe('error');
  });

  it('counts the wait for an approval on the tool span, and a denial as its error', async () => {
    const deleteFile = tool({
      name: 'delete_file',
      description: 'Deletes a file',
      inputSchema: z.object({ path: z.string() }),
      execute: ({ path }) => ({ deleted: path }),
    });
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_d1' }),
        toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_d2' }),
        textTurn('Done.'),
      ],
      agent: { tools: [deleteFile], needsApproval: (name) => name === 'delete_file' },
    });
    const session = await gateway.openSession();
    const reader = createSseReader(await gateway.chat(session.token, 'delete two files'));
    for (const approved of [true, false]) {
      const request = await reader.nextOfType('tool_approval_request');
      await new Promise((resolve) => setTimeout(resolve, 30));
      const answered = await gateway.post(
        '/chat/tool-approval',
        { tool_call_id: request.tool_call_id, nonce: request.nonce, approved },
        { token: session.token },
      );
      expect(answered.status).toBe(200);
    }
    await reader.rest();
    const spans = await runSpans();

    const [approvedSpan, deniedSpan] = named(spans, 'execute_tool delete_file');
    expect(approvedSpan?.attributes['gateway.approval.wait_ms']).toBeGreaterThanOrEqual(25);
    expect(approvedSpan?.status.code).toBe(SpanStatusCode.UNSET);
    expect(deniedSpan?.status.code).toBe(SpanStatusCode.ERROR);
    expect(deniedSpan?.attributes['error.type']).toBe('user_denied');
  });

  it("puts a sub-agent's run under the run_agent call that started it", async () => {
    const skillsDir = fileURLToPath(new URL('../../examples/05-skills/skills', import.meta.url));
    await chatOnce(
      [
        toolCallTurn('run_agent', { agent: 'researcher', task: 'Tallest mountain?' }, { id: 'toolu_s1' }),
        textTurn('Kilimanjaro.'),
        textTurn('It is Kilimanjaro.'),
      ],
      { skills: { dir: skillsDir } },
    );
    const all = await runSpans(2);
    const parentRun = one(all, 'invoke_agent agent');
    const runAgent = one(all, 'execute_tool run_agent');
    const subRun = one(all, 'invoke_agent researcher');
    expect(parentOf(runAgent)).toBe(parentRun.spanContext().spanId);
    expect(parentOf(subRun)).toBe(runAgent.spanContext().spanId);
    const subChats = named(all, 'chat claude-sonnet-4-6').filter(
      (span) => parentOf(span) === subRun.spanContext().spanId,
    );
    expect(subChats).toHaveLength(1);
  });

  it("continues the caller's trace from its traceparent header", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { spans } = await chatOnce(
      [textTurn('Hi.')],
      {},
      {
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    );
    const run = one(spans, 'invoke_agent agent');
    expect(run.spanContext().traceId).toBe(traceId);
    expect(parentOf(run)).toBe('00f067aa0ba902b7');
  });

  it("records a client-side tool's own error code as _OTHER and clips its message", async () => {
    const huge = 'h'.repeat(200_000);
    await runFailingClientTool(cleanup, { code: huge, message: huge });
    const toolSpan = one(await runSpans(), 'execute_tool get_location');
    expect(toolSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(toolSpan.attributes['error.type']).toBe('_OTHER');
    expect(toolSpan.status.message?.length).toBeLessThan(2_100);
  });
});
