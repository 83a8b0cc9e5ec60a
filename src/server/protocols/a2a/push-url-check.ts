import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { PushNotificationNotSupportedError } from '@a2a-js/sdk/errors';
import { createTrustedProxies } from '../../connections/trusted-proxies.js';

/** Addresses a push notification never goes to unless its host is allowed by name. */
const NON_PUBLIC = createTrustedProxies([
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '::/128',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
  'ff00::/8',
]);

/** Longest push URL accepted. */
const MAX_URL_LENGTH = 2048;

/** Whether `url`'s host (or host:port) is one the operator allowed. */
const isAllowedHost = (url: URL, allowedHosts: readonly string[]): boolean =>
  allowedHosts.includes(url.host) || allowedHosts.includes(url.hostname);

/**
 * Checks a push-notification URL as a client registers it: an absolute `https:` URL without
 * credentials (`http:` only for an allowed host). Throws the A2A error the client sees.
 */
export function checkPushUrl(text: string, allowedHosts: readonly string[]): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new PushNotificationNotSupportedError({ message: 'The push notification url is not a URL' });
  }
  if (text.length > MAX_URL_LENGTH) {
    throw new PushNotificationNotSupportedError({
      message: `The push notification url is longer than ${MAX_URL_LENGTH}`,
    });
  }
  const allowed = isAllowedHost(url, allowedHosts);
  if (url.protocol !== 'https:' && !(allowed && url.protocol === 'http:')) {
    throw new PushNotificationNotSupportedError({ message: 'Push notifications go to https: URLs only' });
  }
  if (url.username !== '' || url.password !== '') {
    throw new PushNotificationNotSupportedError({
      message: 'The push notification url must not carry credentials: use authentication',
    });
  }
  return url;
}

/**
 * Whether a notification may go to `url` now: an allowed host, or one whose every address is
 * public (no loopback, private, link-local or metadata address), so a client cannot make the
 * gateway call into its own network.
 */
export async function mayDeliverTo(url: URL, allowedHosts: readonly string[]): Promise<boolean> {
  if (isAllowedHost(url, allowedHosts)) return true;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses =
    isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((found) => found.address);
  return addresses.length > 0 && addresses.every((address) => !NON_PUBLIC.has(address));
}
