import { describe, expect, it } from 'vitest';
import { checkPushUrl } from './push-url-check.js';

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

  it('names the setting that allows an http receiver, and says it allows http too', () => {
    expect(() => checkPushUrl('http://127.0.0.1:9000/hook', [], 'server.webhooks.allowedHosts')).toThrow(
      /listed in server\.webhooks\.allowedHosts \(which allows http: too\), such as "127\.0\.0\.1:9000"/,
    );
    expect(() => checkPushUrl('http://127.0.0.1:9000/hook', [])).toThrow(
      /a2a\.pushNotifications\.allowedHosts/,
    );
  });

  it('refuses a URL whose text names a loopback, private or reserved place, unless its host is allowed', () => {
    for (const url of [
      'https://127.0.0.1/x',
      'https://[::ffff:127.0.0.1]/x',
      'https://[::1]/x',
      'https://localhost/x',
      'https://LOCALHOST./x',
      'https://api.localhost/x',
      'https://0.0.0.0/x',
      'https://10.1.2.3/x',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00::1]/x',
      'https://2130706433/x',
    ]) {
      expect(() => checkPushUrl(url, [], 'server.webhooks.allowedHosts'), url).toThrow(
        /loopback, private or reserved address .*server\.webhooks\.allowedHosts/,
      );
    }
    expect(checkPushUrl('https://localhost:8443/x', ['localhost:8443']).hostname).toBe('localhost');
    expect(checkPushUrl('https://8.8.8.8/x', []).hostname).toBe('8.8.8.8');
  });
});
