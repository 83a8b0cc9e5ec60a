import { PushNotificationNotSupportedError } from '@a2a-js/sdk/errors';
import { describe, expect, it } from 'vitest';
import { checkPushUrl } from './push-url-check.js';

describe('push notification URLs', () => {
  it('follow the rules of every outbound URL, refused as the A2A error a client sees', () => {
    expect(checkPushUrl('https://hooks.example.com/a2a', []).host).toBe('hooks.example.com');
    expect(() => checkPushUrl('http://hooks.example.com/a2a', [])).toThrow(PushNotificationNotSupportedError);
    expect(() => checkPushUrl('not a url', [])).toThrow('The push notification url is not a URL');
    expect(() => checkPushUrl('https://[::ffff:127.0.0.1]/x', [])).toThrow(PushNotificationNotSupportedError);
    expect(checkPushUrl('http://127.0.0.1:9000/hook', ['127.0.0.1:9000']).port).toBe('9000');
  });

  it('refuse IPv6 literals that carry a private or metadata IPv4 address', () => {
    for (const url of [
      'https://[64:ff9b::169.254.169.254]/x',
      'https://[64:ff9b:1::a00:1]/x',
      'https://[2002:c0a8:101::1]/x',
      'https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/x',
      'https://[::127.0.0.1]/x',
    ]) {
      expect(() => checkPushUrl(url, []), url).toThrow(PushNotificationNotSupportedError);
    }
  });

  it('name server.a2a.pushNotifications.allowedHosts in the refusal of a local receiver', () => {
    expect(() => checkPushUrl('http://127.0.0.1:9000/hook', [])).toThrow(
      /^Push notifications go to https: URLs only, or to a host listed in server\.a2a\.pushNotifications\.allowedHosts/,
    );
    expect(() => checkPushUrl('https://localhost/hook', [])).toThrow(
      /server\.a2a\.pushNotifications\.allowedHosts/,
    );
  });
});
