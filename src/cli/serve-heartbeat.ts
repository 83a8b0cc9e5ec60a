import { agentHeartbeatSchema } from '../agent-spec/agent-heartbeat-option.js';
import { isGivenDatabase, type DatabaseSettingInput } from '../agent-spec/database-option.js';
import type { Logger } from '../core/logger.js';
import { HeartbeatLoop } from '../headless/heartbeat/heartbeat-loop.js';
import { runAutonomous } from '../headless/run-autonomous.js';
import type { AgentDefinition } from '../server/gateway-app.js';
import { toAutonomousOptions } from './run-command.js';

/** Options of `startAgentHeartbeat`. */
export interface AgentHeartbeatOptions {
  /** Where the loop's warnings, alerts (without `onAlert`) and failures go. */
  logger: Logger;
  /** Something the person should know about where the heartbeat runs. */
  notice: (message: string) => void;
  /** Stops the heartbeat when it aborts, as `stop()` does. */
  signal?: AbortSignal;
}

/** A served agent's running heartbeat. */
export interface AgentHeartbeat {
  /** Whether its ticks are claimed in a database shared with other instances. */
  readonly clustered: boolean;
  /** Stops the loop (aborting a running tick) and resolves once it ended. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Where a served heartbeat keeps its thread and claims its ticks: the served app's PostgreSQL
 * database (each instance opens its own connection; the ticks are claimed there, once for the
 * cluster) or the user's own database object. The embedded database is the app's alone (its
 * folder is locked by the app), so with it, as with none, the heartbeat runs in this process.
 */
const sharedDatabaseOf = (
  setting: DatabaseSettingInput | undefined,
): Exclude<DatabaseSettingInput, false | 'embedded'> | undefined => {
  if (setting === undefined || setting === false || setting === 'embedded') return undefined;
  if (isGivenDatabase(setting) || 'postgres' in setting) return setting;
  return undefined;
};

/**
 * Starts the `heartbeat` of a `createAgent` definition, as `agent-gateway serve` does after it
 * listens: a `HeartbeatLoop` whose ticks run the same agent headless (`runAutonomous`, as
 * `agent-gateway run`) with the heartbeat's message. With a PostgreSQL `server.database` every
 * instance's loop takes turns through the database, so the cluster ticks once per interval;
 * otherwise this process ticks on its own (`notice` says so). Resolves undefined when the agent
 * has no heartbeat. The loop stops on `stop()` or when `signal` aborts.
 */
export function startAgentHeartbeat(
  definition: AgentDefinition | undefined,
  options: AgentHeartbeatOptions,
): AgentHeartbeat | undefined {
  if (definition?.spec.heartbeat === undefined) return undefined;
  const { logger, notice, signal } = options;
  // createAgent checked the option already: this only applies the defaults.
  const { message, thread, onAlert, ...config } = agentHeartbeatSchema.parse(definition.spec.heartbeat);
  const database = sharedDatabaseOf(definition.spec.server?.database);
  if (database === undefined) {
    notice(
      'the heartbeat runs in this process only and keeps no thread: to run it once per interval ' +
        'across instances, give them one PostgreSQL database (DATABASE_URL or server.database)',
    );
  }
  const loop = new HeartbeatLoop({
    ...(database === undefined ? {} : { thread, database }),
    logger,
    config,
    runFn: (tickSignal, tickThread) =>
      runAutonomous(
        toAutonomousOptions(definition, { initialMessage: message, signal: tickSignal, ...tickThread })
          .options,
      ),
    onAlert: async (output) => {
      if (onAlert === undefined) logger.warn('heartbeat alert', { thread, response: output.response });
      else await onAlert(output.response);
    },
    onError: (error) => {
      const reason = error instanceof Error ? error.message : (error.error ?? 'the run failed');
      logger.error('heartbeat tick failed', { thread, error: reason });
    },
  });
  const ended = loop.start().catch((error: unknown) => {
    logger.error('heartbeat stopped', { thread, error });
  });
  const stop = (): Promise<void> => {
    loop.stop();
    return ended;
  };
  signal?.addEventListener('abort', () => void stop(), { once: true });
  if (signal?.aborted === true) void stop();
  return { clustered: database !== undefined, stop };
}
