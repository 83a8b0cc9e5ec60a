import { PushNotificationNotSupportedError } from '@a2a-js/sdk/errors';
import { checkOutboundUrl, OutboundUrlError } from '../../../agent/outbound-url.js';

/**
 * Checks a push-notification URL as a client registers it, with the rules of every URL the
 * gateway POSTs to (`checkOutboundUrl`: `https:`, no credentials, no loopback, private or
 * reserved address in its text, unless its host is in `allowedHosts`). Throws the A2A error the
 * client sees.
 */
export function checkPushUrl(text: string, allowedHosts: readonly string[]): URL {
  try {
    return checkOutboundUrl(text, allowedHosts, {
      singular: 'push notification',
      plural: 'Push notifications',
      allowedHostsOption: 'server.a2a.pushNotifications.allowedHosts',
    });
  } catch (error) {
    if (error instanceof OutboundUrlError)
      throw new PushNotificationNotSupportedError({ message: error.message });
    throw error;
  }
}
