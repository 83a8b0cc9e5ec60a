import { describe, expect, it } from 'vitest';
import { checkOutboundUrl, OutboundUrlError, type OutboundUrlWords } from './outbound-url.js';

const WEBHOOK: OutboundUrlWords = {
  singular: 'webhook',
  plural: 'webhooks',
  allowedHostsOption: 'server.webhooks.allowedHosts',
};
const check = (url: string, allowedHosts: string[] = []): URL => checkOutboundUrl(url, allowedHosts, WEBHOOK);

describe('URLs the gateway POSTs to', () => {
  it('accepts https URLs and refuses http, credentials in the URL, non-URLs and long URLs', () => {
    expect(check('https://hooks.example.com/a2a').host).toBe('hooks.example.com');
    expect(() => check('http://hooks.example.com/a2a')).toThrow(/https/);
    expect(() => check('https://user:secret@hooks.example.com/')).toThrow(/credentials/);
    expect(() => check('not a url')).toThrow('The webhook url is not a URL');
    expect(() => check('file:///etc/passwd')).toThrow('webhooks go to https: URLs only');
    expect(() => check(`https://hooks.example.com/${'a'.repeat(2048)}`)).toThrow(/longer than 2048/);
    expect(() => check('not a url')).toThrow(OutboundUrlError);
  });

  it('accepts http only for a host the operator allowed, by host or host:port', () => {
    expect(check('http://127.0.0.1:9000/hook', ['127.0.0.1:9000']).port).toBe('9000');
    expect(check('http://receiver/hook', ['receiver']).hostname).toBe('receiver');
    expect(() => check('http://127.0.0.1:9001/hook', ['127.0.0.1:9000'])).toThrow(/https/);
  });

  it('names the setting that allows an http receiver, and says it allows http too', () => {
    expect(() => check('http://127.0.0.1:9000/hook')).toThrow(
      'webhooks go to https: URLs only, or to a host listed in server.webhooks.allowedHosts (which allows http: too), such as "127.0.0.1:9000"',
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
      expect(() => check(url), url).toThrow(
        /^The webhook url names a loopback, private or reserved address .*list its host in server\.webhooks\.allowedHosts/,
      );
    }
    expect(check('https://localhost:8443/x', ['localhost:8443']).hostname).toBe('localhost');
    expect(check('https://8.8.8.8/x').hostname).toBe('8.8.8.8');
  });
});
