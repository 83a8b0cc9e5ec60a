import { describe, expect, it } from 'vitest';
import { setDirectStreamOf, type DirectStream } from '../connections/direct-stream-of-request.js';
import { settleConnectionHeader } from './settle-connection-header.js';

const request = (): Request => new Request('http://127.0.0.1/api/chat', { method: 'POST' });

describe('settleConnectionHeader', () => {
  it("drops a response's own Connection: keep-alive, leaving Connection to Node", () => {
    const response = new Response('ok', { headers: { connection: 'Keep-Alive' } });
    settleConnectionHeader(request(), response, false);
    expect(response.headers.get('connection')).toBeNull();
  });

  it('leaves any other Connection header alone while the gateway is not closing', () => {
    const response = new Response('ok', { headers: { connection: 'upgrade' } });
    settleConnectionHeader(request(), response, false);
    expect(response.headers.get('connection')).toBe('upgrade');
  });

  it('asks the client to close the connection while the gateway is closing', () => {
    const response = new Response('ok', { headers: { connection: 'keep-alive' } });
    settleConnectionHeader(request(), response, true);
    expect(response.headers.get('connection')).toBe('close');
  });

  it('passes a response whose headers cannot change (Response.error())', () => {
    const response = Response.error();
    expect(() => settleConnectionHeader(request(), response, true)).not.toThrow();
  });

  it("leaves a direct stream's response alone (its writer leaves Connection to Node)", () => {
    const streamed = request();
    const response = new Response(null, { headers: { connection: 'keep-alive' } });
    const stream: DirectStream = {
      response,
      untouchedHead: () => ({}),
      begin: () => undefined,
      cancel: () => undefined,
    };
    setDirectStreamOf(streamed, stream);
    settleConnectionHeader(streamed, response, true);
    expect(response.headers.get('connection')).toBe('keep-alive');
  });
});
