import type { Agent, RequestOptions } from 'node:http';
import { urlToHttpOptions } from 'node:url';

interface Entry {
  href: string;
  method: string;
  headers: Readonly<Record<string, string>>;
  agent: Agent;
  options: RequestOptions;
}

/**
 * The `node:http` options of a request to a URL, as `http.request(url, options)` derives them
 * (`urlToHttpOptions` of the URL, then the method, headers and agent), kept per URL object and
 * reused while the same method, header record and agent come with it: a provider sends every
 * call to one URL with one header record, and Node copies the options of each request, so one
 * object serves them all. Any other request gets its options computed as before.
 */
export class RequestOptionsCache {
  readonly #entries = new WeakMap<URL, Entry>();

  /** The options of one request (shared: never modify them). */
  of(
    url: URL,
    init: { readonly method: string; readonly headers: Readonly<Record<string, string>> },
    agent: Agent,
  ): RequestOptions {
    const entry = this.#entries.get(url);
    if (
      entry !== undefined &&
      entry.method === init.method &&
      entry.headers === init.headers &&
      entry.agent === agent &&
      entry.href === url.href
    ) {
      return entry.options;
    }
    const options: RequestOptions = {
      ...urlToHttpOptions(url),
      method: init.method,
      headers: init.headers,
      agent,
    };
    this.#entries.set(url, { href: url.href, method: init.method, headers: init.headers, agent, options });
    return options;
  }
}
