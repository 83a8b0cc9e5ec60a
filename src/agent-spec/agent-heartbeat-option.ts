import { z } from 'zod';
import { THREAD_ID_PATTERN } from '../core/thread-limits.js';
import { callable, nonBlankString } from '../core/parse-options.js';
import { heartbeatConfigSchema } from './heartbeat-config-schema.js';

/**
 * `createAgent({ heartbeat })`: the agent also runs on its own, every `intervalMs`, as a
 * `HeartbeatLoop` does (active hours, time zone, quiet suppression, backoff: the same config),
 * started by `agent-gateway serve`. With a PostgreSQL `server.database` the instances sharing it
 * take turns, so the cluster ticks once per interval; without one each process ticks on its own.
 * `maxTicks` is not offered: a served heartbeat runs until the server stops.
 */
export const agentHeartbeatSchema = heartbeatConfigSchema.omit({ maxTicks: true }).extend({
  /** The user message of every tick (default 'Heartbeat check.'). */
  message: nonBlankString('a non-empty message').default('Heartbeat check.'),
  /**
   * The stored thread every tick continues, and the heartbeat's name in the cluster (default
   * 'heartbeat'): agents sharing a database need names of their own. Used with a database only.
   */
  thread: z
    .string()
    .regex(THREAD_ID_PATTERN, 'must be 1 to 128 letters, digits, _, -, . or :')
    .default('heartbeat'),
  /**
   * A tick has something to say (not `HEARTBEAT_OK`): receives its response (default: logged
   * as a warning). Runs in the instance that ran the tick.
   */
  onAlert: callable<(response: string) => void | Promise<void>>().optional(),
});

/** `createAgent`'s `heartbeat` option as written. */
export type AgentHeartbeatOption = z.input<typeof agentHeartbeatSchema>;

/** `createAgent`'s `heartbeat` option with its defaults. */
export type AgentHeartbeatSettings = z.output<typeof agentHeartbeatSchema>;
