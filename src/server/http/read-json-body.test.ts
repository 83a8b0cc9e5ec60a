import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import { HttpError } from '../../core/http-error.js';
import { createJsonBodyReader, readJsonBody } from './read-json-body.js';

const url = 'http://127.0.0.1/api/chat';

/** A body stream that counts how many chunks the reader pulled. */
function countingStream(
  chunkCount: number,
  chunkSize: number,
): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (pulled === chunkCount) {
          controller.close();
          return;
        }
        pulled += 1;
        controller.enqueue(new Uint8Array(chunkSize).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

describe('readJsonBody', () => {
  it('parses a JSON body', async () => {
    const request = new Request(url, { method: 'POST', body: JSON.stringify({ api_key: 'k' }) });
    expect(await readJsonBody(request)).toEqual({ api_key: 'k' });
  });

  it('refuses a declared Content-Length above the limit without reading the body', async () => {
    const { stream, pulled } = countingStream(4, 10);
    const request = new Request(url, {
      method: 'POST',
      body: stream,
      headers: { 'content-length': '1000' },
      duplex: 'half',
    });
    const error = await rejection(readJsonBody(request, { maxBytes: 100 }));
    expect(error.status).toBe(413);
    expect(error.body).toEqual({ detail: 'Request body too large (limit 100 bytes)' });
    expect(pulled()).toBe(0);
  });

  it('stops reading a streamed body without Content-Length once it passes the limit', async () => {
    const { stream, pulled } = countingStream(1000, 10);
    const request = new Request(url, { method: 'POST', body: stream, duplex: 'half' });
    expect(request.headers.get('content-length')).toBeNull();
    const error = await rejection(readJsonBody(request, { maxBytes: 55 }));
    expect(error.status).toBe(413);
    expect(error.body).toEqual({ detail: 'Request body too large (limit 55 bytes)' });
    expect(pulled()).toBeLessThan(1000);
  });

  it('does not trust a Content-Length that understates the body', async () => {
    const { stream } = countingStream(20, 10);
    const request = new Request(url, {
      method: 'POST',
      body: stream,
      headers: { 'content-length': '5' },
      duplex: 'half',
    });
    const error = await rejection(readJsonBody(request, { maxBytes: 100 }));
    expect(error.status).toBe(413);
  });

  it('accepts a body of exactly the limit', async () => {
    const body = JSON.stringify({ text: 'x'.repeat(20) });
    const request = new Request(url, { method: 'POST', body });
    expect(await readJsonBody(request, { maxBytes: new TextEncoder().encode(body).byteLength })).toEqual({
      text: 'x'.repeat(20),
    });
  });

  it('answers 400 for malformed JSON', async () => {
    const request = new Request(url, { method: 'POST', body: '{"api_key": ' });
    const error = await rejection(readJsonBody(request));
    expect(error.status).toBe(400);
    expect(error.body['detail']).toMatch(/^Malformed JSON body: /);
  });

  it('answers 400 for an empty body and for a missing body', async () => {
    for (const request of [
      new Request(url, { method: 'POST', body: '' }),
      new Request(url, { method: 'POST', body: '  \n' }),
      new Request(url, { method: 'POST' }),
    ]) {
      const error = await rejection(readJsonBody(request));
      expect(error.status).toBe(400);
      expect(error.body).toEqual({ detail: 'Malformed JSON body: body is empty' });
    }
  });

  it('answers 400 for a body that is not UTF-8', async () => {
    const request = new Request(url, { method: 'POST', body: new Uint8Array([0x22, 0xff, 0xfe, 0x22]) });
    const error = await rejection(readJsonBody(request));
    expect(error.status).toBe(400);
  });

  it('stops when its signal aborts', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      start(streamController) {
        streamController.enqueue(new TextEncoder().encode('{"a":'));
      },
    });
    const request = new Request(url, { method: 'POST', body: stream, duplex: 'half' });
    const reading = readJsonBody(request, { signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(reading).rejects.toThrow('client went away');
  });

  it('stops waiting for a body with a Content-Length when its signal aborts', async () => {
    const controller = new AbortController();
    const stream = new ReadableStream<Uint8Array>({
      start(streamController) {
        streamController.enqueue(new TextEncoder().encode('{"a":'));
      },
    });
    const request = new Request(url, {
      method: 'POST',
      body: stream,
      headers: { 'content-length': '20' },
      duplex: 'half',
    });
    const reading = readJsonBody(request, { signal: controller.signal });
    controller.abort(new Error('client went away'));
    await expect(reading).rejects.toThrow('client went away');
  });

  it('rejects an invalid limit as a misconfiguration', async () => {
    const request = new Request(url, { method: 'POST', body: '{}' });
    const error: unknown = await readJsonBody(request, { maxBytes: 0 }).catch((reason: unknown) => reason);
    expect(isGatewayError(error, 'invalid_option')).toBe(true);
  });
});

describe('createJsonBodyReader', () => {
  it('applies the limits it was made with to every request it reads', async () => {
    const read = createJsonBodyReader({ maxBytes: 12, maxDepth: 2 });
    expect(await read(new Request(url, { method: 'POST', body: '{"a":[1]}' }))).toEqual({ a: [1] });
    const large = await rejection(read(new Request(url, { method: 'POST', body: '{"a":"0123456789"}' })));
    expect(large.status).toBe(413);
    const deep = await rejection(read(new Request(url, { method: 'POST', body: '{"a":[[1]]}' })));
    expect(deep.body).toEqual({
      detail: [{ loc: ['body', 'a'], msg: 'JSON nested deeper than 2 levels', type: 'json_too_deep' }],
    });
  });

  it('names the first over-deep field in the same order as before, through arrays and objects', async () => {
    const read = createJsonBodyReader({ maxDepth: 3 });
    const body = '{"ok":{"x":[1,"s",null]},"a":[{"b":[1]}],"c":{"d":{"e":{}}}}';
    const error = await rejection(read(new Request(url, { method: 'POST', body })));
    expect(error.body).toEqual({
      detail: [{ loc: ['body', 'c'], msg: 'JSON nested deeper than 3 levels', type: 'json_too_deep' }],
    });
  });

  it('refuses an invalid limit when it is made, as a misconfiguration', () => {
    let error: unknown;
    try {
      createJsonBodyReader({ maxBytes: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(isGatewayError(error, 'invalid_option')).toBe(true);
  });
});
