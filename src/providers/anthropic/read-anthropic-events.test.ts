import { APIError } from '@anthropic-ai/sdk';
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../core/errors.js';
import type { ProviderEvent } from '../../core/provider.js';
import { encodeAnthropicStream } from '../../testing/mock-upstream/anthropic-stream-encoder.js';
import { textTurn, type ScriptedResponse } from '../../testing/scripted-turn.js';
import { createAnthropicStreamMapper } from './map-anthropic-stream.js';
import { ModelHttpClient } from '../transport/model-http-client.js';
import type { ResponseBody } from '../transport/response-body.js';
import { AnthropicEventReader } from './read-anthropic-events.js';

const MODEL = 'claude-sonnet-4-6';

/** The wire text of a scripted turn, as the mock upstream streams it (pings included). */
const wireOf = (turn: ScriptedResponse): string =>
  encodeAnthropicStream(turn, MODEL)
    .map((frame) => `event: ${frame.event}\ndata: ${frame.data}\n\n`)
    .join('');

/** What the mapper makes of the same turn, event by event: what the reader must yield. */
const mappedOf = (turn: ScriptedResponse): ProviderEvent[] => {
  const mapper = createAnthropicStreamMapper();
  const out: ProviderEvent[] = [];
  for (const frame of encodeAnthropicStream(turn, MODEL)) {
    if (frame.event !== 'ping') mapper.map(JSON.parse(frame.data) as RawMessageStreamEvent, out);
  }
  return out;
};

const thinkingAndToolTurn: ScriptedResponse = {
  blocks: [
    { type: 'thinking', text: 'Let me think about the weather.', signature: 'sig-1' },
    { type: 'text', text: 'Checking.' },
    { type: 'tool_call', id: 'toolu_1', name: 'weather', input: { city: 'Paris', days: [1, 2] } },
  ],
  usage: { inputTokens: 5, outputTokens: 9, cacheReadTokens: 2 },
};

let server: Server | undefined;
let respond: (response: ServerResponse, request: IncomingMessage) => void = () => undefined;
let url = '';
let client = new ModelHttpClient();

beforeEach(async () => {
  client = new ModelHttpClient();
  const started = createServer((request, response) => respond(response, request));
  server = started;
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(started.address() as AddressInfo).port}/v1/messages`;
});

afterEach(async () => {
  client.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

const open = (): Promise<ResponseBody> => client.send(new URL(url), { method: 'GET', headers: {} });

const streamHead = (response: ServerResponse): void => {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_1' });
};

/** Answers with `text` written in pieces of `size` characters, each in its own write. */
const answerInPieces = (text: string, size: number): void => {
  respond = (response) => {
    streamHead(response);
    for (let offset = 0; offset < text.length; offset += size)
      response.write(text.slice(offset, offset + size));
    response.end();
  };
};

/** Reads a response as the provider's generator does: the events, then the end or a failure. */
const drain = async (body: ResponseBody): Promise<{ events: ProviderEvent[]; error?: unknown }> => {
  const reader = new AnthropicEventReader({
    nodeBody: body,
    headers: new Headers(),
  });
  const events: ProviderEvent[] = [];
  try {
    for (;;) {
      const taken = reader.take();
      if (taken === 'end') return { events };
      if (taken === 'wait') await reader.wait();
      else events.push(taken);
    }
  } catch (error) {
    return { events, error };
  } finally {
    reader.close();
  }
};

describe('AnthropicEventReader', () => {
  it('yields the mapped events of a text turn split anywhere on the wire, then ends', async () => {
    const turn = textTurn('Hello there, streaming world.', { usage: { inputTokens: 3, outputTokens: 4 } });
    answerInPieces(wireOf(turn), 7);
    const { events, error } = await drain(await open());
    expect(error).toBeUndefined();
    expect(events).toEqual(mappedOf(turn));
    expect(events.at(-1)).toEqual({ type: 'message_end', stopReason: 'end_turn' });
  });

  it('yields thinking with its signature, text and a tool call with its parsed input, in order', async () => {
    answerInPieces(wireOf(thinkingAndToolTurn), 1_000_000);
    const { events, error } = await drain(await open());
    expect(error).toBeUndefined();
    expect(events).toEqual(mappedOf(thinkingAndToolTurn));
    expect(events.filter((event) => event.type === 'block_end')).toEqual([
      {
        type: 'block_end',
        block: { type: 'thinking', thinking: 'Let me think about the weather.', signature: 'sig-1' },
      },
      { type: 'block_end', block: { type: 'text', text: 'Checking.' } },
      {
        type: 'block_end',
        block: { type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris', days: [1, 2] } },
      },
    ]);
  });

  it('skips pings, unnamed events and events without data, and reads CRLF lines', async () => {
    const turn = textTurn('ok');
    const wire = `: comment\r\ndata: {"not":"named"}\r\n\r\nevent: ping\r\ndata: {}\r\n\r\nevent: message_delta\r\n\r\n${wireOf(turn).replaceAll('\n', '\r\n')}`;
    answerInPieces(wire, 5);
    const { events, error } = await drain(await open());
    expect(error).toBeUndefined();
    expect(events).toEqual(mappedOf(turn));
  });

  it('fails with the SDK error of an error frame after the events before it, and drops the connection', async () => {
    const frames = wireOf(textTurn('partial answer')).split('event: content_block_stop')[0] ?? '';
    const error = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };
    let closed = false;
    respond = (response) => {
      streamHead(response);
      response.once('close', () => (closed = true));
      // The body stays open after the frame: the reader must not wait for its end.
      response.write(`${frames}event: error\ndata: ${JSON.stringify(error)}\n\n`);
    };
    const result = await drain(await open());
    expect(result.events.map((event) => event.type)).toEqual([
      'message_start',
      'usage',
      'text_delta',
      'text_delta',
    ]);
    expect(result.error).toBeInstanceOf(APIError);
    expect((result.error as APIError).type).toBe('overloaded_error');
    expect((result.error as APIError).status).toBeUndefined();
    await expect.poll(() => closed).toBe(true);
  });

  it('passes a non-JSON error frame on as its text', async () => {
    answerInPieces('event: error\ndata: upstream exploded\n\n', 1_000);
    const { error } = await drain(await open());
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).error).toBe('upstream exploded');
  });

  it('fails with a SyntaxError for a malformed event after the events before it', async () => {
    const start = wireOf(textTurn('hi')).split('event: content_block_start')[0] ?? '';
    answerInPieces(`${start}event: content_block_start\ndata: {"type":\n\n`, 1_000);
    const { events, error } = await drain(await open());
    expect(events.map((event) => event.type)).toEqual(['message_start', 'usage']);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('maps text and thinking deltas in any JSON form as in the form Anthropic writes, and fails on a malformed one', async () => {
    const turn: ScriptedResponse = {
      blocks: [
        { type: 'thinking', text: 'Think "twice"\nfirst', signature: 'sig-2' },
        { type: 'text', text: 'Hi "you"\nthere, é 😀' },
      ],
    };
    // Each text delta's data re-spaced and reordered: the same events must come out.
    const respaced = wireOf(turn).replace(
      /data: (\{"type":"content_block_delta".*)\n/g,
      (_line, data: string) => {
        const { type, index, delta } = JSON.parse(data) as Record<string, unknown>;
        return `data: ${JSON.stringify({ delta, index, type }, null, 1).replaceAll('\n', ' ')}\n`;
      },
    );
    expect(respaced).not.toBe(wireOf(turn));
    answerInPieces(respaced, 5);
    const respacedResult = await drain(await open());
    expect(respacedResult.error).toBeUndefined();
    expect(respacedResult.events).toEqual(mappedOf(turn));

    const start = wireOf(turn).split('event: content_block_delta')[0] ?? '';
    const bad = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"a\tb"}}';
    answerInPieces(`${start}event: content_block_delta\ndata: ${bad}\n\n`, 1_000);
    const { events, error } = await drain(await open());
    expect(events.map((event) => event.type)).toEqual(['message_start', 'usage']);
    expect(error).toBeInstanceOf(SyntaxError);
  });

  it('fails retryably when the body ends before message_stop', async () => {
    const wire = wireOf(textTurn('cut short')).split('event: message_stop')[0] ?? '';
    answerInPieces(wire, 1_000);
    const { events, error } = await drain(await open());
    expect(events.at(-1)?.type).toBe('usage');
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
  });

  it('fails with the socket error when the connection is cut before the end of the body', async () => {
    const wire = wireOf(textTurn('cut short')).split('event: content_block_stop')[0] ?? '';
    respond = (response) => {
      streamHead(response);
      response.write(wire, () => response.socket?.destroy());
    };
    const { events, error } = await drain(await open());
    expect(events.some((event) => event.type === 'text_delta')).toBe(true);
    expect((error as { code?: unknown }).code).toBe('UND_ERR_SOCKET');
  });

  it('ignores what follows message_stop and ends with the body, keeping the connection alive', async () => {
    const turn = textTurn('done');
    const sockets: unknown[] = [];
    respond = (response, request) => {
      sockets.push(request.socket);
      streamHead(response);
      response.end(`${wireOf(turn)}event: content_block_delta\ndata: {"type":"content_block_delta"}\n\n`);
    };
    for (let round = 0; round < 2; round += 1) {
      // undici reuses a connection one event-loop turn after its answer ended.
      await new Promise((resolve) => setImmediate(resolve));
      const { events, error } = await drain(await open());
      expect(error).toBeUndefined();
      expect(events).toEqual(mappedOf(turn));
    }
    expect(sockets).toHaveLength(2);
    expect(sockets[1]).toBe(sockets[0]);
  });

  it('destroys a body closed before its end, and closes twice safely', async () => {
    let closed = false;
    respond = (response) => {
      streamHead(response);
      response.once('close', () => (closed = true));
      response.write(wireOf(textTurn('never finished')).split('event: message_stop')[0] ?? '');
    };
    const reader = new AnthropicEventReader({ nodeBody: await open(), headers: new Headers() });
    while (reader.take() === 'wait') await reader.wait();
    reader.close();
    reader.close();
    await expect.poll(() => closed).toBe(true);
  });
});
