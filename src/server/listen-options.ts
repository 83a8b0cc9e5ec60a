import { z } from 'zod';
import { parseOptions } from '../core/parse-options.js';
import type { ServerSettings } from './contracts/gateway-config.js';
import { isLoopbackHost } from './http/host-guard-middleware.js';

/** Where `listen()` binds. */
export const listenOptionsSchema = z.strictObject({
  /** TCP port (0 picks a free port). */
  port: z.number().int().min(0).max(65_535).default(8000),
  /** Interface to bind: this machine only unless told otherwise. */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * Connections the kernel may hold until the gateway accepts them (capped by
   * `net.core.somaxconn`; 4096 is what Linux allows by default since 5.4). Node's own default of
   * 511 made a burst of 2,000 new streams lose connections (resets, connect timeouts) while the
   * gateway was busy: docs/PERFORMANCE.md.
   */
  backlog: z
    .number()
    .refine((backlog) => Number.isInteger(backlog) && backlog > 0, {
      error: (issue) => `must be a positive integer, got ${String(issue.input)}`,
    })
    .default(4096),
});

/** Where `listen` binds. */
export type ListenOptions = z.input<typeof listenOptionsSchema>;

/** `listen()`'s options, checked, with the defaults applied. */
export type ListenAddress = z.output<typeof listenOptionsSchema>;

/**
 * `listen()`'s options, checked against the server settings they would expose. On an address
 * other machines can reach, it refuses:
 * - `GET /metrics` without a scrape token: the metrics tell anyone who asks which tools the
 *   agent has, how busy it is and what it costs (on loopback they stay open for a local
 *   Prometheus; the host guard keeps web pages out);
 * - a gateway where any non-empty API key opens a session (no `validApiKeys`, API keys on)
 *   unless the operator said so with `allowAnyApiKey`: anyone could spend its model budget.
 * Checked before anything starts, so the operator sees every fix needed at once.
 */
export function parseListenOptions(
  options: ListenOptions,
  server: Pick<ServerSettings, 'metrics' | 'validApiKeys' | 'allowAnyApiKey'> & {
    auth?: Pick<ServerSettings['auth'], 'apiKeys'>;
  },
): ListenAddress {
  const schema = listenOptionsSchema.superRefine(({ host }, context) => {
    if (isLoopbackHost(host)) return;
    const { metrics } = server;
    if (metrics === true || (typeof metrics === 'object' && metrics.token === undefined)) {
      context.addIssue({
        code: 'custom',
        message:
          `server.metrics: the gateway listens on ${host}, which other machines can reach, so /metrics needs a scrape token: ` +
          "set server.metrics to { token: '<a long random string>' } (the scraper sends Authorization: Bearer <token>), " +
          'or listen on 127.0.0.1',
      });
    }
    // With API keys off, only JWTs and the app's hook open sessions: no key can be guessed.
    if (server.auth?.apiKeys !== false && !server.allowAnyApiKey && server.validApiKeys.length === 0) {
      context.addIssue({
        code: 'custom',
        message:
          `refusing to serve ${host} without server.validApiKeys: any non-empty API key would ` +
          'open a session and spend your model budget. Set server.validApiKeys to the keys your ' +
          'clients use, or server.allowAnyApiKey: true to run an open demo on purpose, or listen ' +
          'on 127.0.0.1.',
      });
    }
  });
  return parseOptions(schema, options, 'listen');
}
