import { GatewayError } from '../core/errors.js';
import { drainRuns } from './chat/drain-runs.js';
import { createShutdownDeadline } from './chat/shutdown-deadline.js';
import { isSharedStores } from './chat/remote-runs.js';
import { takeOverRuns } from './chat/take-over-run.js';
import type { GatewayParts, GatewayState } from './gateway-parts.js';
import { createGatewayMetrics } from './metrics/create-gateway-metrics.js';
import { loadPromClient } from './metrics/load-prom-client.js';
import { shareCircuitBreaker } from './share-circuit-breaker.js';
import type { AnswerOutbox } from './pending-answers/answer-outbox.js';
import type { SuspendedRuns } from './pending-answers/suspended-runs.js';
import type { BackgroundWork } from './background/background-work.js';
import type { SessionRuns } from './chat/session-runs.js';

/** The services a started app runs beside its routes, started and closed with it. */
export interface GatewayServices {
  suspendedRuns: SuspendedRuns;
  answerOutbox: AnswerOutbox;
  /** The schedule firer, the queued-run poller and the webhook sender (`background/`). */
  background: BackgroundWork;
  /** Where a run taken over here takes its thread's lock again. */
  threadLocks: Pick<SessionRuns, 'retakeThreadLock'>;
}

/**
 * Starts the app once (later calls share the first): stores, the session secret kept with the
 * embedded database, database, the scan of suspended runs, the background work (schedules,
 * queued runs, webhooks: the one place it starts), metrics, the user's `onStartup`, then the
 * takeover of other instances' runs and the session expiry sweep. Refused once `close()` began.
 */
export function startGateway(
  parts: GatewayParts,
  state: GatewayState,
  services: GatewayServices,
): Promise<void> {
  const { config, stores, shared, runs } = parts;
  state.starting ??= (async () => {
    if (state.closing !== undefined) throw new GatewayError('internal_error', 'the gateway app is closed');
    await stores.connect?.();
    if (config.circuitBreaker !== undefined) {
      state.stopSharingCircuits = await shareCircuitBreaker(config.circuitBreaker, stores.bus, parts.report);
    }
    // The embedded database's session secret is written with it, not when the app is built.
    config.keepSessionSecret?.();
    await config.database.open(config.logger);
    if (config.database.current()?.suspendedRuns !== undefined && config.suspendAfterMs !== false) {
      services.suspendedRuns.start();
    }
    services.background.start();
    if (config.metrics !== false) {
      state.metrics = createGatewayMetrics(await loadPromClient(), {
        model: config.defaultModel,
        activeRuns: () => runs.activeCount(),
        runFollowers: () => runs.followerCount(),
        storeRoundTrips: stores.roundTrips?.bind(stores),
        isAgentTool: (name) => config.isAgentTool?.(name) === true || config.isMcpTool?.(name) === true,
        circuits: () => config.circuitBreaker?.snapshot() ?? [],
        budgets: parts.budgetGate !== undefined,
      });
    }
    await config.onStartup?.();
    state.started = true;
    const runLeases = stores.runLeases;
    if (shared !== undefined && runLeases !== undefined && isSharedStores(stores)) {
      state.takeover = takeOverRuns({
        config,
        stores: { ...stores, runLeases },
        settings: shared,
        allowedModels: parts.allowedModels,
        runs,
        limits: parts.limits,
        caps: parts.caps,
        report: parts.report,
        metrics: () => state.metrics,
        suspendedRuns: services.suspendedRuns,
        threadLocks: services.threadLocks,
        ownerInvalidity: (identity) => parts.auth.invalidityOf(identity),
      });
    }
    parts.auth.startExpirySweep({ intervalMs: config.sessionCleanupIntervalMs });
  })();
  return state.starting;
}

/**
 * Closes the app once (later calls share the first): marks it draining (readiness 503), goes on
 * serving for `server.shutdown.drainDelayMs`, then stops accepting, drains or hands over the
 * runs, then closes the services (the background work among them, awaited: the one place it
 * stops), the user's `onShutdown` (if it started), sessions, listeners, the stores it made and
 * the database.
 */
export function closeGateway(
  parts: GatewayParts,
  state: GatewayState,
  services: GatewayServices,
): Promise<void> {
  // Readiness answers 503 from now on; for the drain delay every request is still served (new
  // chats included), so the balancers that send traffic until their next probe see no refusal.
  state.draining = true;
  const { drainDelayMs } = parts.config.shutdown;
  state.shutdown ??=
    drainDelayMs <= 0
      ? closeNow(parts, state, services)
      : new Promise<void>((resolve) => setTimeout(resolve, drainDelayMs)).then(() =>
          closeNow(parts, state, services),
        );
  return state.shutdown;
}

/**
 * The close itself, once the drain delay is over (`closing` set: new chats are refused), within
 * one deadline of `server.shutdown.timeoutMs`: each step is started in order and waited for
 * until the deadline at most, so a hung one (a run, a store, the user's `onShutdown`) leaves the
 * steps after it to start at once and the close resolves by the deadline.
 */
function closeNow(parts: GatewayParts, state: GatewayState, services: GatewayServices): Promise<void> {
  const { config, stores, report } = parts;
  state.closing ??= (async () => {
    const deadline = createShutdownDeadline(config.shutdown.timeoutMs);
    /** Waits for one step (started by `step`), never past the deadline; a failure is reported. */
    const within = (where: string, step: () => unknown): Promise<void> => {
      let running: Promise<unknown>;
      try {
        running = Promise.resolve(step()).catch((error: unknown) => report(error, where));
      } catch (error) {
        report(error, where);
        return Promise.resolve();
      }
      return deadline.settle([running]);
    };
    // No new connection is accepted: a load balancer routes new requests elsewhere while the
    // runs drain.
    for (const server of state.listeners) server.stopAccepting();
    await within('drain', () =>
      drainRuns({
        runs: parts.runs,
        stores,
        shared: parts.shared,
        takeover: state.takeover,
        runStarts: state.runStarts,
        handOver: config.handOverRunsOnClose ?? parts.shared !== undefined,
        deadline,
        report,
      }),
    );
    // Answers nobody received yet are un-claimed, so that their clients' retries count.
    await within('answer outbox close', () => services.answerOutbox.close());
    await within('suspended runs close', () => services.suspendedRuns.close());
    await within('background close', () => services.background.close());
    for (const close of state.closers) close();
    if (state.started) await within('onShutdown', () => config.onShutdown?.());
    await within('sessions close', () => parts.auth.close());
    await within('listeners close', () =>
      Promise.allSettled([...state.listeners].map((server) => server.close())),
    );
    state.listeners.clear();
    await within('circuit sharing close', () => state.stopSharingCircuits?.());
    await within('budget gate close', () => parts.budgetGate?.close());
    parts.thresholdNotices?.close();
    if (parts.ownsStores) await within('stores close', () => stores.close());
    await within('database close', () => config.database.close());
    deadline.close();
  })();
  return state.closing;
}
