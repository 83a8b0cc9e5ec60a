import { randomBytes } from 'node:crypto';
import type { GatewayStores } from '../core/stores.js';
import { isSharedStores } from './chat/remote-runs.js';
import { createAppRunCaps, type RunCaps } from './chat/run-caps.js';
import { createRunRegistry, type RunRegistry } from './chat/run-registry.js';
import type { SharedRunSettings } from './chat/share-run.js';
import type { TakeoverScan } from './chat/takeover-scan.js';
import { allowedModelsOf } from './contracts/allowed-models-of.js';
import type { CheckedGatewayConfig, GatewayServerConfig } from './contracts/gateway-config.js';
import { normalizePrefix } from './contracts/normalize-prefix.js';
import { createGatewayDatabase, type GatewayDatabase } from './database/gateway-database.js';
import type { ListeningServer } from './gateway-app.js';
import type { GatewayMetrics } from './metrics/create-gateway-metrics.js';
import { createHttpLimits, type HttpLimits } from './rate-limit/create-http-limits.js';
import { resolveGatewayStores } from './resolve-gateway-stores.js';
import { createAuthManager, type AuthManager } from './sessions/create-auth-manager.js';
import { sessionSecretOf, type SessionSecret } from './sessions/session-secret.js';
import { ChurnSet } from '../core/churn-map.js';
import type { BudgetGate } from '../core/budget-gate.js';
import { createAppBudgetGate } from './app-budget-gate.js';
import {
  createBudgetThresholdNotices,
  type BudgetThresholdNotices,
} from './background/budget-threshold-notices.js';
import { defaultWebhooksSettings } from './contracts/webhooks-option.js';

/** Where failures nobody awaits go. */
export type Report = (error: unknown, where: string) => void;

/**
 * The app's configuration once its thread database is made (opened on `start()`) and its
 * session secret known.
 */
export type AppConfig = Omit<GatewayServerConfig, 'jwtSecret' | 'restoreSessionsFromTokens' | 'database'> & {
  database: GatewayDatabase;
  /** `server.jwtSecret`, else the secret kept with the embedded database, else one per process. */
  jwtSecret: string;
  /** The entries of `server.jwtSecret` after its first: they verify tokens, never sign. */
  jwtPreviousSecrets: string[];
  /** Where `jwtSecret` came from (`sessionSecretOf`). */
  jwtSecretSource: SessionSecret['source'];
  /** Writes a secret made for the embedded database into its folder; run on start, before it opens. */
  keepSessionSecret?: () => void;
  /** `server.restoreSessionsFromTokens`, its default applied. */
  restoreSessionsFromTokens: boolean;
};

/** What one gateway app is made of before anything starts; fixed for the app's life. */
export interface GatewayParts {
  config: AppConfig;
  report: Report;
  stores: GatewayStores;
  /** Whether the app made its stores (and so closes them). */
  ownsStores: boolean;
  /** Present when the stores are shared between instances (Redis): leases, mirrors, takeovers. */
  shared: SharedRunSettings | undefined;
  limits: HttpLimits;
  caps: RunCaps;
  /** One secret signs the session tokens and (under a derived key) the tool history of clients. */
  secret: AppConfig['jwtSecret'];
  auth: AuthManager;
  prefix: string;
  runs: RunRegistry;
  allowedModels: Set<string>;
  /** Where every model call is admitted under `server.budgets`; undefined when none is configured. */
  budgetGate: BudgetGate | undefined;
  /** The `budget.threshold_reached` notices (their retries stop at close); undefined when none can be sent. */
  thresholdNotices: BudgetThresholdNotices | undefined;
}

/** What changes while the app runs: its start, its close, and what they hand each other. */
export interface GatewayState {
  metrics: GatewayMetrics | undefined;
  takeover: TakeoverScan | undefined;
  listeners: Set<ListeningServer>;
  runStarts: ChurnSet<Promise<unknown>>;
  /** Releases what routes hold beyond runs (A2A push deliveries), once `close()` drained. */
  closers: (() => void)[];
  starting: Promise<void> | undefined;
  closing: Promise<void> | undefined;
  started: boolean;
  /** Set once a shutdown began, before `closing` (the drain delay): readiness answers 503. */
  draining: boolean;
  /** The whole shutdown: the drain delay, then `closing`. */
  shutdown: Promise<void> | undefined;
  /** Set when the start failed: readiness names `startup` until the process is replaced. */
  startFailed: boolean;
  /** Stops sharing the circuit breaker's openings over the bus (set while started). */
  stopSharingCircuits: (() => Promise<void>) | undefined;
}

/** The state of an app that has neither started nor closed. */
export const initialGatewayState = (): GatewayState => ({
  metrics: undefined,
  takeover: undefined,
  listeners: new Set(),
  runStarts: new ChurnSet(),
  closers: [],
  starting: undefined,
  closing: undefined,
  stopSharingCircuits: undefined,
  started: false,
  draining: false,
  shutdown: undefined,
  startFailed: false,
});

/** Failures nobody awaits go to the app's logger (its level and format) unless `onError` is set. */
export const reportOf = (config: Pick<GatewayServerConfig, 'onError' | 'logger'>): Report =>
  config.onError ?? ((error: unknown, where: string) => config.logger.error(`${where} failed`, { error }));

/**
 * The configuration with the app's thread database (`database`, retention), not yet opened, and
 * its session secret (`sessionSecretOf`). Sessions are restored from their tokens by default
 * when they are kept in memory and the secret outlives the process: a restart then ends none.
 */
export function withGatewayDatabase(options: CheckedGatewayConfig, report: Report): AppConfig {
  const { secret, previousSecrets, source, keep } = sessionSecretOf(options.jwtSecret, options.database);
  return {
    ...options,
    jwtSecret: secret,
    jwtPreviousSecrets: previousSecrets ?? [],
    jwtSecretSource: source,
    ...(keep === undefined ? {} : { keepSessionSecret: keep }),
    restoreSessionsFromTokens:
      options.restoreSessionsFromTokens ?? (source !== 'process' && options.store === 'memory'),
    database: createGatewayDatabase(
      options.database,
      options.threadRetentionMs === undefined
        ? undefined
        : {
            retentionMs: options.threadRetentionMs,
            intervalMs: options.threadRetentionSweepIntervalMs,
            report: (error, where) => report(error, where),
          },
      (error, where) => report(error, where),
      options.maxThreadsPerOwner,
    ),
  };
}

/** The issuers whose principals' sessions stay valid: the configured JWT provider, the hook. */
const principalIssuersOf = (auth: AppConfig['auth']) => ({
  ...(auth.jwt === undefined
    ? {}
    : { jwt: { issuer: auth.jwt.issuer, audiences: [auth.jwt.audience].flat() } }),
  authenticateHook: auth.authenticate !== undefined,
});

/** The settings of runs shared between instances, when the stores are shared. */
function sharedRunSettingsOf(config: AppConfig, stores: GatewayStores): SharedRunSettings | undefined {
  const { instanceId } = config;
  return isSharedStores(stores)
    ? {
        instanceId,
        leaseOwner: `${instanceId}.${randomBytes(4).toString('hex')}`,
        retentionMs: config.streamRetentionMs,
        maxRetainedBytesPerRun: config.maxRetainedBytesPerRun,
        leaseMs: config.runLeaseMs,
        pendingMirrors: new Set(),
        leaseKeepers: new Set(),
      }
    : undefined;
}

/**
 * Makes the app's parts, in this order: stores, shared run settings, HTTP limits, run caps, the
 * auth manager, the run registry (which reports new runs to the metrics in `state`, once made).
 */
export function createGatewayParts(config: AppConfig, report: Report, state: GatewayState): GatewayParts {
  const { stores, owned: ownsStores } = resolveGatewayStores(config.store, report);
  const shared = sharedRunSettingsOf(config, stores);
  const limits = createHttpLimits({
    rateLimit: config.rateLimit,
    tokenBudget: config.tokenBudget,
    sessionRateLimit: config.sessionRateLimit,
    ...(stores.createRateLimiter === undefined ? {} : { createRateLimiter: stores.createRateLimiter }),
  });
  const caps = createAppRunCaps({ config, stores, leaseMs: shared?.leaseMs, report });
  const secret = config.jwtSecret;
  const auth = createAuthManager({
    secret,
    previousSecrets: config.jwtPreviousSecrets,
    validApiKeys: config.validApiKeys,
    serverSideApiKeys: config.serverSideApiKeys,
    apiKeys: config.auth.apiKeys,
    sessionTtlMs: config.sessionTtlMs,
    restoreSessionsFromTokens: config.restoreSessionsFromTokens,
    maxSessions: config.maxSessions,
    principalIssuers: principalIssuersOf(config.auth),
    sessions: stores.sessions,
    // Logouts outlive restarts wherever a database is configured (sessions in memory or not).
    revocations: () => config.database.current()?.sessionRevocations,
    ...(config.onSessionExpired === undefined ? {} : { onSessionExpired: config.onSessionExpired }),
    onError: (error) => report(error, 'session expiry'),
  });
  const prefix = normalizePrefix(config.prefix);
  const runs = createRunRegistry({
    onAdd: (run) => state.metrics?.observeRun(run),
    disconnectGraceMs: config.disconnectGraceMs,
    retentionMs: config.streamRetentionMs,
    maxRetainedBytesPerRun: config.maxRetainedBytesPerRun,
    maxRetainedBytes: config.maxRetainedBytes,
  });
  // Without `defaultModel` either, `startChatRun` lets the runtime pick.
  const allowedModels = allowedModelsOf(config.allowedModels, config.defaultModel);
  // The app's own gate (`budgetGate`, a test's) wins over the one `server.budgets` makes; the
  // runs read it from the config they are given.
  const thresholdNotices = createBudgetThresholdNotices({
    settings: config.webhooks ?? defaultWebhooksSettings,
    store: () => config.database.current()?.backgroundRuns,
    databaseConfigured: config.database.configured,
    report,
  });
  const budgetGate =
    config.budgetGate ??
    createAppBudgetGate(config, stores, report, {
      metrics: () => state.metrics?.budgets,
      onSoftThreshold: thresholdNotices?.notify,
    });
  return {
    config: budgetGate === config.budgetGate ? config : { ...config, budgetGate },
    report,
    stores,
    ownsStores,
    shared,
    limits,
    caps,
    secret,
    auth,
    prefix,
    runs,
    allowedModels,
    budgetGate,
    thresholdNotices,
  };
}
