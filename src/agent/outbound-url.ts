import { isAllowedHost, namesNonPublicHost } from './outbound-address.js';

/** Longest URL a client may give for the gateway to POST to. */
const MAX_URL_LENGTH = 2048;

/** What the refusals call the URL's use, and the setting that allows a host. */
export interface OutboundUrlWords {
  /** `webhook`, `push notification`: "The webhook url is not a URL". */
  singular: string;
  /** `webhooks`, `Push notifications`: "webhooks go to https: URLs only". */
  plural: string;
  /** The setting that lists allowed hosts, e.g. `server.webhooks.allowedHosts`. */
  allowedHostsOption: string;
}

/** A URL refused when a client gives it; `message` is for the client. */
export class OutboundUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutboundUrlError';
  }
}

/**
 * Checks a URL a client gives for the gateway to POST to (a webhook, a push notification): an
 * absolute `https:` URL of at most 2 048 characters, without credentials, whose text names no
 * non-public place (an IP literal in a loopback, private, link-local or reserved range,
 * `localhost`), unless its host is in `allowedHosts` (which then allows `http:` too). The
 * refusals name the setting, so that an operator with a local receiver learns what to set.
 * Throws `OutboundUrlError`. A name's addresses are checked again at each delivery, on the
 * connection itself (`lookupFor`).
 */
export function checkOutboundUrl(
  text: string,
  allowedHosts: readonly string[],
  words: OutboundUrlWords,
): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new OutboundUrlError(`The ${words.singular} url is not a URL`);
  }
  if (text.length > MAX_URL_LENGTH) {
    throw new OutboundUrlError(`The ${words.singular} url is longer than ${MAX_URL_LENGTH}`);
  }
  const allowed = isAllowedHost(url, allowedHosts);
  if (url.protocol !== 'https:' && !(allowed && url.protocol === 'http:')) {
    throw new OutboundUrlError(
      url.protocol === 'http:'
        ? `${words.plural} go to https: URLs only, or to a host listed in ${words.allowedHostsOption} (which allows http: too), such as "${url.host}"`
        : `${words.plural} go to https: URLs only`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundUrlError(`The ${words.singular} url must not carry credentials: use authentication`);
  }
  if (!allowed && namesNonPublicHost(url)) {
    throw new OutboundUrlError(
      `The ${words.singular} url names a loopback, private or reserved address (${url.hostname}): list its host in ${words.allowedHostsOption} to allow it`,
    );
  }
  return url;
}
