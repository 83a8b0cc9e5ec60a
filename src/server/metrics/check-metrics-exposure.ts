import { GatewayError } from '../../core/errors.js';
import { isLoopbackHost } from '../http/host-guard-middleware.js';

/**
 * Refuses to serve `GET /metrics` without a scrape token on an address other machines can
 * reach: the metrics tell anyone who asks which tools the agent has, how busy it is and what it
 * costs. On loopback they stay open (a local Prometheus, a developer's curl), and the host guard
 * keeps web pages out. Throws before anything starts, so the operator sees the one fix needed.
 */
export function checkMetricsExposure(
  metrics: boolean | { token?: string | undefined } | undefined,
  host: string,
): void {
  if (metrics === undefined || metrics === false || isLoopbackHost(host)) return;
  if (metrics !== true && metrics.token !== undefined) return;
  throw new GatewayError(
    'invalid_option',
    `server.metrics: the gateway listens on ${host}, which other machines can reach, so /metrics needs a scrape token: ` +
      "set server.metrics to { token: '<a long random string>' } (the scraper sends Authorization: Bearer <token>), " +
      'or listen on 127.0.0.1',
  );
}
