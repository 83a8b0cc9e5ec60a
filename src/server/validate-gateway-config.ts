import { GatewayError } from '../core/errors.js';
import type { GatewayServerConfig } from './gateway-config.js';

/**
 * Checks `createGatewayApp`'s options before anything starts: each failure is a
 * `GatewayError('invalid_option')` naming the option.
 */
export const validateGatewayConfig = (config: GatewayServerConfig): void => {
  const fail = (message: string): never => {
    throw new GatewayError('invalid_option', `createGatewayApp: ${message}`);
  };
  if (typeof config !== 'object' || config === null) fail('a configuration object is required');
  if (typeof config.buildChatRuntime !== 'function') fail('buildChatRuntime is required');
  if (config.jwtSecret !== undefined && (typeof config.jwtSecret !== 'string' || config.jwtSecret === '')) {
    fail('jwtSecret must be a non-empty string');
  }
  const positive = (name: keyof GatewayServerConfig): void => {
    const value = config[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
      fail(`${name} must be a positive number, got ${JSON.stringify(value)}`);
    }
  };
  for (const name of [
    'sessionTtl',
    'maxBodyBytes',
    'maxJsonDepth',
    'maxConcurrentRuns',
    'maxBufferedBytesPerStream',
    'maxFollowersPerRun',
    'heartbeatIntervalMs',
    'approvalTimeoutMs',
    'clientToolTimeoutMs',
    'sessionCleanupIntervalMs',
    'streamRetentionMs',
    'sseRetryMs',
    'runLeaseMs',
  ] as const) {
    positive(name);
  }
  if (
    config.disconnectGraceMs !== undefined &&
    (typeof config.disconnectGraceMs !== 'number' ||
      !Number.isFinite(config.disconnectGraceMs) ||
      config.disconnectGraceMs < 0)
  ) {
    fail(
      `disconnectGraceMs must be a number of milliseconds >= 0, got ${JSON.stringify(config.disconnectGraceMs)}`,
    );
  }
  const window = (name: 'rateLimit' | 'tokenBudget', countName: 'requests' | 'tokens'): void => {
    const value: unknown = config[name];
    if (value === undefined) return;
    const count: unknown =
      typeof value === 'object' && value !== null ? Reflect.get(value, countName) : undefined;
    const seconds: unknown =
      typeof value === 'object' && value !== null ? Reflect.get(value, 'windowSeconds') : undefined;
    const isPositive = (number: unknown): boolean =>
      typeof number === 'number' && Number.isFinite(number) && number > 0;
    if (!isPositive(count) || !isPositive(seconds)) {
      fail(
        `${name} must be { ${countName}: number > 0, windowSeconds: number > 0 }, got ${JSON.stringify(value)}`,
      );
    }
  };
  window('rateLimit', 'requests');
  window('tokenBudget', 'tokens');
  if (config.store !== undefined) {
    const store: unknown = config.store;
    const type: unknown =
      typeof store === 'object' && store !== null ? Reflect.get(store, 'type') : undefined;
    if (type !== 'memory' && type !== 'redis')
      fail('store must be { type: "memory" } or { type: "redis", url }');
    if (type === 'redis' && typeof Reflect.get(store as object, 'url') !== 'string') {
      fail('store.url must be a redis:// URL');
    }
  }
  if (
    config.instanceId !== undefined &&
    (typeof config.instanceId !== 'string' || config.instanceId === '')
  ) {
    fail('instanceId must be a non-empty string');
  }
  if (config.handOverRunsOnClose !== undefined && typeof config.handOverRunsOnClose !== 'boolean') {
    fail('handOverRunsOnClose must be a boolean');
  }
  const logger: unknown = config.logger;
  if (
    logger !== undefined &&
    (typeof logger !== 'object' ||
      logger === null ||
      !(['debug', 'info', 'warn', 'error'] as const).every(
        (level) => typeof Reflect.get(logger, level) === 'function',
      ))
  )
    fail('logger must have debug, info, warn and error methods');
  if (config.corsOrigins !== undefined && !Array.isArray(config.corsOrigins))
    fail('corsOrigins must be an array');
  if (
    config.allowedHosts !== undefined &&
    (!Array.isArray(config.allowedHosts) ||
      !config.allowedHosts.every((host) => typeof host === 'string' && host !== ''))
  )
    fail('allowedHosts must be an array of host names');
};
