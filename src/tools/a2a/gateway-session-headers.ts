import { z } from 'zod';
import { parseOptions } from '../../core/parse-options.js';
import { egressFetch } from '../../providers/transport/egress-proxy.js';

const optionsSchema = z.strictObject({
  /** The other gateway's URL with its prefix, e.g. `https://agents.example.com/api`. */
  baseUrl: z.string().url(),
  /** The API key it accepts. */
  apiKey: z.string().min(1),
  /** The end user a server-side key speaks for (`POST /chat/init`'s `user`). */
  user: z.string().min(1).optional(),
  /** Gives up on one exchange after this many ms (10 000). */
  timeoutMs: z.number().positive().default(10_000),
});

/** Options of `gatewaySessionHeaders`. */
export type GatewaySessionHeadersOptions = z.input<typeof optionsSchema>;

/**
 * Headers for calling another ai-agent-gateway's A2A or MCP route: each call exchanges the API
 * key for a session token of its own at `{baseUrl}/chat/init` (a session runs one run at a
 * time, so concurrent calls need a session each). The redirect of a misconfigured URL is not
 * followed, so the key stays with the URL given. The exchange honours `HTTPS_PROXY` and `NO_PROXY`
 * as the calls do.
 */
export function gatewaySessionHeaders(
  options: GatewaySessionHeadersOptions,
): (signal?: AbortSignal) => Promise<Record<string, string>> {
  const settings = parseOptions(optionsSchema, options, 'gatewaySessionHeaders');
  return async (signal) => {
    const timeout = AbortSignal.timeout(settings.timeoutMs);
    const response = await egressFetch(`${settings.baseUrl.replace(/\/$/, '')}/chat/init`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        api_key: settings.apiKey,
        ...(settings.user === undefined ? {} : { user: settings.user }),
      }),
      redirect: 'manual',
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    const body = (await response.json().catch(() => ({}))) as { session_token?: unknown };
    if (!response.ok || typeof body.session_token !== 'string') {
      throw new Error(`The gateway at ${settings.baseUrl} refused the API key (HTTP ${response.status})`);
    }
    return { authorization: `Bearer ${body.session_token}` };
  };
}
