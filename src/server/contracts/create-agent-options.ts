import { z } from 'zod';
import { agentHeartbeatSchema } from '../../agent-spec/agent-heartbeat-option.js';
import { agentSpecShape } from '../../agent-spec/agent-spec.js';
import { serverSpecSchema } from './server-spec.js';

export type { ProviderConfig } from '../../providers/resolve-provider.js';

/** `createAgent`'s options: the agent spec plus the `server` group. */
export const createAgentSchema = z.strictObject({
  ...agentSpecShape,
  /** How the agent is served: sessions, limits, streams, stores, lifecycle hooks. */
  server: serverSpecSchema.prefault({}),
  /**
   * The agent also runs on its own, on an interval (a `HeartbeatLoop` config plus `message`,
   * `thread`, `onAlert`), started by `agent-gateway serve`: once per interval across the
   * instances sharing a PostgreSQL `server.database`, per process without one (docs/headless.md).
   */
  heartbeat: agentHeartbeatSchema.optional(),
});

/**
 * Options of `createAgent`: one `AgentSpec` (prompt, provider, tools, MCP, skills, code
 * execution, limits, hooks) plus a `server` group. Durations are in milliseconds.
 */
export type CreateAgentOptions = z.input<typeof createAgentSchema>;

/** `CreateAgentOptions` after checking (what the gateway works with). */
export type ParsedAgentOptions = z.output<typeof createAgentSchema>;
