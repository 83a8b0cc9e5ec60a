import type { GatewayMetrics } from '../metrics/create-gateway-metrics.js';
import { resumeClaimedRun, type ResumeClaimedRunDependencies } from './resume-claimed-run.js';
import { startRunTakeover, type RunTakeover } from './take-over-runs.js';

/** What `startAppTakeover` needs from the app. */
export interface AppTakeoverOptions extends Omit<ResumeClaimedRunDependencies, 'shared'> {
  /** The app's metrics, once `start()` has created them. */
  metrics: () => GatewayMetrics | undefined;
}

/**
 * Starts the app's heartbeat and takeover scan (`startRunTakeover`) with the app's settings:
 * claimed runs are continued here (`resumeClaimedRun`), logged and counted in the metrics, and
 * after a possible silence of this instance its own runs check their leases at once.
 */
export function startAppTakeover(options: AppTakeoverOptions): RunTakeover {
  const { config, stores, settings, report, metrics } = options;
  return startRunTakeover({
    leases: stores.runLeases,
    bus: stores.bus,
    owner: settings.leaseOwner,
    leaseMs: settings.leaseMs,
    heartbeatMs: config.instanceHeartbeatMs,
    ...(config.instanceSilentMs === undefined ? {} : { silentOwnerMs: config.instanceSilentMs }),
    onSilenceEnded: () => {
      for (const keeper of settings.leaseKeepers) keeper.renewNow();
    },
    report,
    resume: async (claimed) => {
      const runId = claimed.record.runId;
      config.logger.info('run taken over', { runId, sessionId: claimed.record.sessionId });
      try {
        await resumeClaimedRun(claimed, {
          config,
          stores,
          shared: true,
          settings,
          allowedModels: options.allowedModels,
          runs: options.runs,
          limits: options.limits,
          caps: options.caps,
          report,
        });
        metrics()?.recordTakeover('resumed');
      } catch (error) {
        metrics()?.recordTakeover('failed');
        throw error;
      }
    },
  });
}
