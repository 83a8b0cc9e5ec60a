import { Agent } from 'node:http';
import { urlToHttpOptions } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RequestOptionsCache } from './request-options-cache.js';

const agent = new Agent();
const headers = { 'x-api-key': 'sk', 'content-type': 'application/json' };

describe('RequestOptionsCache', () => {
  it('gives the options http.request derives from a URL and its options', () => {
    const url = new URL('http://user:pw@[::1]:8080/v1/messages?beta=true#x');
    const options = new RequestOptionsCache().of(url, { method: 'POST', headers }, agent);
    expect(options).toEqual({ ...urlToHttpOptions(url), method: 'POST', headers, agent });
    expect(options.hostname).toBe('::1');
    expect(options.path).toBe('/v1/messages?beta=true');
  });

  it('reuses one options object for the same URL object, method, header record and agent', () => {
    const cache = new RequestOptionsCache();
    const url = new URL('http://127.0.0.1:9/v1/messages');
    const first = cache.of(url, { method: 'POST', headers }, agent);
    expect(cache.of(url, { method: 'POST', headers }, agent)).toBe(first);
  });

  it('computes new options for another URL object, method, header record, agent or a changed URL', () => {
    const cache = new RequestOptionsCache();
    const url = new URL('http://127.0.0.1:9/v1/messages');
    const first = cache.of(url, { method: 'POST', headers }, agent);
    expect(cache.of(new URL(url), { method: 'POST', headers }, agent)).not.toBe(first);
    expect(cache.of(url, { method: 'GET', headers }, agent).method).toBe('GET');
    const other = { ...headers };
    expect(cache.of(url, { method: 'POST', headers: other }, agent).headers).toBe(other);
    const otherAgent = new Agent();
    expect(cache.of(url, { method: 'POST', headers }, otherAgent).agent).toBe(otherAgent);
    url.port = '10';
    expect(cache.of(url, { method: 'POST', headers }, otherAgent).port).toBe(10);
  });
});
