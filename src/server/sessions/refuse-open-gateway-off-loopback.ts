import { GatewayError } from '../../core/errors.js';
import type { GatewayServerConfig } from '../gateway-config.js';
import { isLoopbackHost } from '../http/host-guard-middleware.js';

/**
 * Refuses, before anything starts, to serve a non-loopback `host` when any non-empty API key
 * would open a session (no `validApiKeys`) unless the operator said so with `allowAnyApiKey`:
 * an open gateway on a public address lets anyone spend its model budget.
 */
export function refuseOpenGatewayOffLoopback(
  host: string,
  config: Pick<GatewayServerConfig, 'validApiKeys' | 'allowAnyApiKey'>,
): void {
  if (isLoopbackHost(host) || config.allowAnyApiKey === true) return;
  if (config.validApiKeys !== undefined && [...config.validApiKeys].length > 0) return;
  throw new GatewayError(
    'invalid_option',
    `listen: refusing to serve ${host} without server.validApiKeys: any non-empty API key would ` +
      'open a session and spend your model budget. Set server.validApiKeys to the keys your ' +
      'clients use, or server.allowAnyApiKey: true to run an open demo on purpose, or listen ' +
      'on 127.0.0.1.',
  );
}
