import { afterEach, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGuardedToolAgent } from './helpers/guarded-tool-agent.js';

/*
 * The 2026-07-28 `tools/call` of the agent's tool served from the run's log, against the SDK's
 * `createMcpHandler` answering the same call: a foreign `_meta` key (which the SDK ignores) makes
 * the fast path leave a request to the SDK. The SDK's frames carry an `event: message` line,
 * ours do not, which tells who answered.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-method': 'tools/call',
  'mcp-name': 'ask_agent',
  'mcp-protocol-version': '2026-07-28',
};

interface Answer {
  status: number;
  /** Whether the SDK's transport wrote it. */
  bySdk: boolean;
  messages: Array<Record<string, unknown>>;
}

interface CallOptions {
  id: number;
  message: string;
  progressToken?: number;
  viaSdk?: boolean;
  retry?: { requestState: string; approved: boolean };
  headers?: Record<string, string>;
}

async function startAgent(turns: Parameters<typeof startGuardedToolAgent>[1]) {
  const agent = await startGuardedToolAgent(
    cleanup,
    turns,
    { name: 'delete_file', description: 'Deletes a file', field: 'path', resultKey: 'deleted' },
    { spec: { server: { mcp: { toolName: 'ask_agent' } } } },
  );
  const call = async (options: CallOptions): Promise<Answer> => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
      'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
      ...(options.progressToken === undefined ? {} : { progressToken: options.progressToken }),
      ...(options.viaSdk === true ? { 'com.example/trace': 'x' } : {}),
    };
    const params = {
      name: 'ask_agent',
      arguments: { message: options.message },
      ...(options.retry === undefined
        ? {}
        : {
            requestState: options.retry.requestState,
            inputResponses: { approval: { action: 'accept', content: { approved: options.retry.approved } } },
          }),
      _meta: meta,
    };
    const response = await fetch(`${agent.gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...(options.headers ?? HEADERS), authorization: `Bearer ${agent.session.token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: options.id, method: 'tools/call', params }),
    });
    const text = await response.text();
    const isStream = response.headers.get('content-type')?.startsWith('text/event-stream') === true;
    const messages = isStream
      ? text
          .split('\n\n')
          .flatMap((frame) => frame.split('\n').filter((line) => line.startsWith('data: ')))
          .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
      : [JSON.parse(text) as Record<string, unknown>];
    return { status: response.status, bySdk: !isStream || text.includes('event: message'), messages };
  };
  return { ...agent, call };
}

const progressOf = (answer: Answer) => {
  const notifications = answer.messages.filter((message) => message['method'] === 'notifications/progress');
  const params = notifications.map((message) => message['params'] as Record<string, unknown>);
  return {
    text: params.map((param) => param['message']).join(''),
    last: params.at(-1)?.['progress'],
    tokens: [...new Set(params.map((param) => param['progressToken']))],
  };
};
const resultOf = (answer: Answer) => answer.messages.find((message) => 'result' in message);

describe('MCP 2026-07-28, the tools/call served from the run', () => {
  it('answers with the messages the SDK answers the same call with', async () => {
    const reply = 'Same words, either path: "quoted" \u2014 and more.';
    const { call } = await startAgent([textTurn(reply), textTurn(reply)]);
    const fast = await call({ id: 7, message: 'Hi', progressToken: 7 });
    const sdk = await call({ id: 7, message: 'Hi', progressToken: 7, viaSdk: true });
    expect([fast.bySdk, sdk.bySdk]).toEqual([false, true]);
    expect(fast.status).toBe(200);
    expect(progressOf(fast)).toEqual(progressOf(sdk));
    expect(progressOf(fast)).toEqual({ text: reply, last: reply.length, tokens: [7] });
    expect(resultOf(fast)).toEqual(resultOf(sdk));
    expect(fast.messages.at(-1)).toEqual(resultOf(fast));
  });

  it('gives its events ids, and a GET with one of them as Last-Event-ID answers the rest of the call and its result', async () => {
    const turns = () => [
      toolCallTurn('get_weather', { city: 'Paris' }, { id: 'call_weather', text: 'I will look it up.' }),
      textTurn('It is clear in Paris.'),
    ];
    const { gateway, session } = await startAgent(turns());
    const authorization = `Bearer ${session.token}`;
    const first = await fetch(`${gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...HEADERS, authorization },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: {
          name: 'ask_agent',
          arguments: { message: 'Weather?' },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': {},
            progressToken: 9,
          },
        },
      }),
    });
    const frames = (await first.text()).split('\n\n').filter((frame) => frame !== '');
    const ids = frames.map((frame) => /^id: (\S+)\n/.exec(frame)?.[1]);
    expect(ids.every((id) => id?.startsWith('mcp1.') === true)).toBe(true);
    const resume = (lastEventId: string) =>
      fetch(`${gateway.baseUrl}/mcp`, {
        headers: { ...HEADERS, authorization, 'last-event-id': lastEventId },
      });
    // Resumed after the first progress notification: the rest, byte for byte as the first stream sent it.
    const rest = await resume(ids[0] ?? '');
    expect(rest.status).toBe(200);
    expect(await rest.text()).toBe(
      frames
        .slice(1)
        .map((frame) => `${frame}\n\n`)
        .join(''),
    );

    const malformed = await resume('mcp1.not-an-id');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ code: 'invalid_last_event_id' });
    const otherRun = await resume((ids[0] ?? '').replace(/\.[0-9a-f]{36}\./, `.${'0'.repeat(36)}.`));
    expect(otherRun.status).toBe(404);
    expect(await otherRun.json()).toMatchObject({ code: 'mcp_call_not_found' });
  });

  it('separates the text of two model turns with a paragraph break, as the SDK path does', async () => {
    const turns = () => [
      toolCallTurn('get_weather', { city: 'Paris' }, { id: 'call_weather', text: 'I will look it up.' }),
      textTurn('It is clear in Paris.'),
    ];
    const { call } = await startAgent([...turns(), ...turns()]);
    const fast = await call({ id: 8, message: 'Weather?', progressToken: 8 });
    const sdk = await call({ id: 8, message: 'Weather?', progressToken: 8, viaSdk: true });
    const text = 'I will look it up.\n\nIt is clear in Paris.';
    expect(resultOf(fast)).toMatchObject({ result: { content: [{ type: 'text', text }] } });
    expect(resultOf(sdk)).toEqual(resultOf(fast));
    // Progress messages add up to the same text.
    expect(progressOf(fast)).toEqual({ text, last: text.length, tokens: [8] });
    expect(progressOf(sdk)).toEqual(progressOf(fast));
  });

  it('cancels the run when the caller closes the call’s stream (how 2026-07-28 cancels)', async () => {
    const { call, gateway, session } = await startAgent([
      // Some 60 events 200 ms apart: about 12 s if nobody stops it.
      textTurn('A long answer that streams slowly, word by word, until the caller gives up. '.repeat(4), {
        eventDelayMs: 200,
      }),
      textTurn('Next.'),
    ]);
    const controller = new AbortController();
    const response = await fetch(`${gateway.baseUrl}/mcp`, {
      method: 'POST',
      headers: { ...HEADERS, authorization: `Bearer ${session.token}` },
      signal: controller.signal,
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'ask_agent',
          arguments: { message: 'Tell me a long story' },
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
            'io.modelcontextprotocol/clientCapabilities': {},
            progressToken: 1,
          },
        },
      }),
    });
    const reader = response.body?.getReader();
    await reader?.read();
    controller.abort();
    await reader?.cancel().catch(() => undefined);
    // The session's run is gone at once (not after the disconnect grace): the next call runs.
    await expect
      .poll(
        async () => {
          const next = await call({ id: 2, message: 'And now?' });
          return JSON.stringify(resultOf(next)?.['result'] ?? null);
        },
        { timeout: 5_000, interval: 100 },
      )
      .toContain('Next.');
  });

  it('asks for an approval as input_required, and either path takes the other one’s request state', async () => {
    const { call, calls } = await startAgent([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'call_a' }),
      textTurn('Deleted a.'),
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'call_b' }),
      textTurn('Deleted b.'),
    ]);
    const askedFast = await call({ id: 1, message: 'Delete /tmp/a' });
    expect(askedFast.bySdk).toBe(false);
    const fastResult = resultOf(askedFast)?.['result'] as Record<string, unknown>;
    expect(fastResult['resultType']).toBe('input_required');
    // The SDK path verifies the state the fast path sealed.
    const answeredBySdk = await call({
      id: 2,
      message: 'Delete /tmp/a',
      viaSdk: true,
      retry: { requestState: String(fastResult['requestState']), approved: true },
    });
    expect(answeredBySdk.bySdk).toBe(true);
    expect(resultOf(answeredBySdk)?.['result']).toMatchObject({
      content: [{ type: 'text', text: 'Deleted a.' }],
      resultType: 'complete',
    });

    const askedBySdk = await call({ id: 1, message: 'Delete /tmp/b', viaSdk: true });
    expect(askedBySdk.bySdk).toBe(true);
    const sdkResult = resultOf(askedBySdk)?.['result'] as Record<string, unknown>;
    const withoutState = ({ requestState: _state, ...rest }: Record<string, unknown>) => rest;
    expect(withoutState(fastResult)).toEqual(
      withoutState({
        ...sdkResult,
        inputRequests: JSON.parse(JSON.stringify(sdkResult['inputRequests']).replaceAll('/tmp/b', '/tmp/a')),
      }),
    );
    // The fast path answers the approval with the state the SDK minted.
    const answeredFast = await call({
      id: 3,
      message: 'Delete /tmp/b',
      retry: { requestState: String(sdkResult['requestState']), approved: true },
    });
    expect(answeredFast.bySdk).toBe(false);
    expect(resultOf(answeredFast)).toEqual({
      jsonrpc: '2.0',
      id: 3,
      result: {
        content: [{ type: 'text', text: 'Deleted b.' }],
        resultType: 'complete',
        _meta: sdkResult['_meta'],
      },
    });
    expect(calls).toEqual(['/tmp/a', '/tmp/b']);
  });

  it('leaves other requests to the SDK, with its errors', async () => {
    const { call } = await startAgent([textTurn('unused')]);
    const { 'mcp-name': _name, ...withoutName } = HEADERS;
    const refused = await call({ id: 4, message: 'Hi', headers: withoutName });
    expect(refused.bySdk).toBe(true);
    expect(refused.status).toBe(400);
    expect(refused.messages[0]?.['error']).toMatchObject({ code: expect.any(Number) as number });
    const badState = await call({
      id: 5,
      message: 'Hi',
      retry: { requestState: 'v1.bad.state', approved: true },
    });
    expect(badState.bySdk).toBe(true);
    expect(badState.messages).toEqual([
      {
        jsonrpc: '2.0',
        id: 5,
        error: {
          code: -32602,
          message: 'Invalid or expired requestState',
          data: { reason: 'invalid_request_state' },
        },
      },
    ]);
  });
});
