import { describe, expect, it } from 'vitest';
import {
  alreadySent,
  directStreamResponse,
  isAlreadySent,
  isUntouchedDirectStreamResponse,
} from './direct-stream-of-request.js';

const init = { status: 200, headers: { 'content-type': 'text/event-stream', 'x-marker': '1' } };

describe("a direct stream's response", () => {
  it('is a Response with the status and headers it was made with, and no body', async () => {
    const response = directStreamResponse(init);
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(Object.fromEntries(response.headers)).toEqual(init.headers);
    expect(await response.text()).toBe('');
  });

  it('stays untouched until something reads its headers', () => {
    const response = directStreamResponse(init);
    expect(isUntouchedDirectStreamResponse(response)).toBe(true);
    response.headers.set('access-control-allow-origin', '*');
    expect(isUntouchedDirectStreamResponse(response)).toBe(false);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('is told apart from any other response, even one made with the same init', () => {
    expect(isUntouchedDirectStreamResponse(new Response(null, init))).toBe(false);
  });

  it('leaves the already-sent answer recognisable by identity only', () => {
    const sent = alreadySent();
    expect(sent.headers.get('x-hono-already-sent')).toBe('true');
    expect(isAlreadySent(sent)).toBe(true);
    expect(isAlreadySent(alreadySent())).toBe(true);
    expect(isAlreadySent(new Response(null, { headers: { 'x-hono-already-sent': 'true' } }))).toBe(false);
  });
});
