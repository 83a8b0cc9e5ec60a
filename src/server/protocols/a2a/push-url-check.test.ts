import { describe, expect, it } from 'vitest';
import { checkPushUrl, mayDeliverTo } from './push-url-check.js';

describe('push notification URLs', () => {
  it('accepts https URLs and refuses http, credentials in the URL and non-URLs', () => {
    expect(checkPushUrl('https://hooks.example.com/a2a', []).host).toBe('hooks.example.com');
    expect(() => checkPushUrl('http://hooks.example.com/a2a', [])).toThrow(/https/);
    expect(() => checkPushUrl('https://user:secret@hooks.example.com/', [])).toThrow(/credentials/);
    expect(() => checkPushUrl('not a url', [])).toThrow(/not a URL/);
    expect(() => checkPushUrl('file:///etc/passwd', [])).toThrow(/https/);
  });

  it('accepts http only for a host the operator allowed, by host or host:port', () => {
    expect(checkPushUrl('http://127.0.0.1:9000/hook', ['127.0.0.1:9000']).port).toBe('9000');
    expect(checkPushUrl('http://receiver/hook', ['receiver']).hostname).toBe('receiver');
    expect(() => checkPushUrl('http://127.0.0.1:9001/hook', ['127.0.0.1:9000'])).toThrow(/https/);
  });

  it('never delivers to loopback, private, link-local or metadata addresses unless allowed', async () => {
    for (const url of [
      'https://127.0.0.1/x',
      'https://localhost/x',
      'https://10.1.2.3/x',
      'https://172.16.0.9/x',
      'https://192.168.1.1/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[::1]/x',
      'https://[fd00::1]/x',
      'https://0.0.0.0/x',
    ]) {
      expect(await mayDeliverTo(new URL(url), []), url).toBe(false);
    }
    expect(await mayDeliverTo(new URL('https://8.8.8.8/x'), [])).toBe(true);
    expect(await mayDeliverTo(new URL('http://127.0.0.1:9000/x'), ['127.0.0.1:9000'])).toBe(true);
  });
});
