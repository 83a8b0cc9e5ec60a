import { Agent, EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';

/** The environment variables that name an egress proxy, in the order undici reads them. */
const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY'] as const;

/** Whether `HTTP_PROXY` or `HTTPS_PROXY` (either case) names a proxy in `environment`. */
export function egressProxyConfigured(environment: NodeJS.ProcessEnv = process.env): boolean {
  return PROXY_VARIABLES.some((name) => (environment[name] ?? '') !== '');
}

/** The first of the variables (lowercase first, as curl and undici read them) that is not empty. */
function firstSet(environment: NodeJS.ProcessEnv, lower: string, upper: string): string | undefined {
  const value = environment[lower] ?? '';
  if (value !== '') return value;
  return (environment[upper] ?? '') === '' ? undefined : environment[upper];
}

/**
 * The proxies and exclusions undici's `EnvHttpProxyAgent` is given, read here so that an empty
 * lowercase variable does not hide its uppercase form (undici alone would stop at the empty one).
 */
function proxySettings(environment: NodeJS.ProcessEnv): EnvHttpProxyAgent.Options {
  const httpProxy = firstSet(environment, 'http_proxy', 'HTTP_PROXY');
  const httpsProxy = firstSet(environment, 'https_proxy', 'HTTPS_PROXY') ?? httpProxy;
  const noProxy = firstSet(environment, 'no_proxy', 'NO_PROXY') ?? '';
  return {
    ...(httpProxy === undefined ? {} : { httpProxy }),
    ...(httpsProxy === undefined ? {} : { httpsProxy }),
    noProxy,
  };
}

/**
 * The undici dispatcher for outbound calls: an `EnvHttpProxyAgent` when `HTTP_PROXY` or
 * `HTTPS_PROXY` is set (it tunnels through the proxy with `CONNECT` and sends hosts listed in
 * `NO_PROXY` directly), otherwise a plain `Agent`, which spares each request the proxy
 * agent's per-request `NO_PROXY` match. The environment is read when it is created.
 */
export function createEgressDispatcher(options: Agent.Options = {}): Dispatcher {
  return egressProxyConfigured()
    ? new EnvHttpProxyAgent({ ...options, ...proxySettings(process.env) })
    : new Agent(options);
}

let shared: { readonly key: string; readonly dispatcher: Dispatcher } | undefined;

/** The proxy settings `egressFetch` last built its dispatcher for. */
function proxyKey(): string {
  const variables = [...PROXY_VARIABLES, 'no_proxy', 'NO_PROXY'];
  return variables.map((name) => process.env[name] ?? '').join('\n');
}

/**
 * A `fetch` for outbound calls other than model calls (MCP over HTTP, A2A) that honours
 * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY`: undici's `fetch` over one shared
 * `EnvHttpProxyAgent` while a proxy is set (rebuilt when the variables change), the global
 * `fetch` otherwise, so nothing changes for a gateway without a proxy.
 */
export const egressFetch: typeof fetch = (input, init) => {
  if (!egressProxyConfigured()) return globalThis.fetch(input, init);
  const key = proxyKey();
  if (shared?.key !== key) {
    const previous = shared?.dispatcher;
    shared = { key, dispatcher: new EnvHttpProxyAgent(proxySettings(process.env)) };
    void previous?.close().catch(() => undefined);
  }
  // undici's own `fetch` and Response: the same API as the global ones, from a newer undici.
  const call = undiciFetch as unknown as (input: string | URL | Request, init: object) => Promise<Response>;
  return call(input, { ...init, dispatcher: shared.dispatcher });
};
