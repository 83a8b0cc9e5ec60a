import { describe, expect, it } from 'vitest';
import { parseSseFrame, readSseFrames, type SseFrame } from './read-sse-frames.js';

/** A body that delivers `chunks` as separate reads. */
const bodyOf = (chunks: Array<string | Uint8Array>): ReadableStream<Uint8Array> => {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks)
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
};

const readAll = async (body: ReadableStream<Uint8Array>): Promise<SseFrame[]> => {
  const frames: SseFrame[] = [];
  for await (const frame of readSseFrames(body)) frames.push(frame);
  return frames;
};

describe('readSseFrames', () => {
  it('reads frames whose boundaries fall inside lines, CRLF pairs and UTF-8 sequences', async () => {
    const euro = new TextEncoder().encode('data: {"type":"text_delta","text":"\u20ac"}\r\n\r\n');
    const frames = await readAll(
      bodyOf([
        'retry: 1000\n\nid: abc:1\nda',
        'ta: {"type":"text_delta","text":"a"}\r',
        '\n\r\nid: abc:2\n',
        euro.slice(0, 33),
        euro.slice(33),
      ]),
    );

    expect(frames).toEqual([
      { id: 'abc:1', event: { type: 'text_delta', text: 'a' } },
      { id: 'abc:2', event: { type: 'text_delta', text: '\u20ac' } },
    ]);
  });

  it('drops an unterminated last frame, as an EventSource does', async () => {
    const frames = await readAll(bodyOf(['data: {"type":"heartbeat","timestamp":1}\n\ndata: {"type":"te']));
    expect(frames.map((frame) => frame.event.type)).toEqual(['heartbeat']);
  });

  it('cancels the body and rejects with the reason when the signal aborts', async () => {
    let cancelled: unknown;
    const body = new ReadableStream<Uint8Array>({
      cancel(reason) {
        cancelled = reason;
      },
    });
    const controller = new AbortController();
    const frames = readSseFrames(body, controller.signal);
    const pending = frames.next();
    controller.abort(new Error('stop reading'));

    await expect(pending).rejects.toThrow('stop reading');
    expect(cancelled).toEqual(new Error('stop reading'));
  });
});

describe('parseSseFrame', () => {
  it('joins several data lines and ignores comments and unknown fields', () => {
    expect(parseSseFrame(': comment\nevent: x\ndata: {"type":"text_delta",\ndata: "text":"b"}')).toEqual({
      id: undefined,
      event: { type: 'text_delta', text: 'b' },
    });
  });

  it('refuses data that is not a gateway event', () => {
    expect(() => parseSseFrame('data: [1,2]')).toThrow(/not a gateway event/);
  });
});
