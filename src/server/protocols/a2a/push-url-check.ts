import { PushNotificationNotSupportedError } from '@a2a-js/sdk/errors';
import { isAllowedHost, namesNonPublicHost } from '../../../agent/outbound-address.js';

/** Longest push URL accepted. */
const MAX_URL_LENGTH = 2048;

/**
 * Checks a push-notification URL as a client registers it: an absolute `https:` URL without
 * credentials, whose text names no non-public place (an IP literal in a loopback, private,
 * link-local or reserved range, `localhost`), unless its host is in `allowedHosts` (which then
 * allows `http:` too). `allowedHostsOption` names the setting in the refusals, so that an
 * operator with a local receiver learns what to set. Throws the A2A error the client sees. A
 * name's addresses are checked again at each delivery, on the connection itself.
 */
export function checkPushUrl(
  text: string,
  allowedHosts: readonly string[],
  allowedHostsOption = 'server.a2a.pushNotifications.allowedHosts',
): URL {
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
    throw new PushNotificationNotSupportedError({
      message:
        url.protocol === 'http:'
          ? `Push notifications go to https: URLs only, or to a host listed in ${allowedHostsOption} (which allows http: too), such as "${url.host}"`
          : 'Push notifications go to https: URLs only',
    });
  }
  if (url.username !== '' || url.password !== '') {
    throw new PushNotificationNotSupportedError({
      message: 'The push notification url must not carry credentials: use authentication',
    });
  }
  if (!allowed && namesNonPublicHost(url)) {
    throw new PushNotificationNotSupportedError({
      message: `The push notification url names a loopback, private or reserved address (${url.hostname}): list its host in ${allowedHostsOption} to allow it`,
    });
  }
  return url;
}
