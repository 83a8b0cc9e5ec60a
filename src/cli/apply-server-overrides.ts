import { createAgent } from '../server/assembly/create-agent.js';
import type { Logger } from '../core/logger.js';
import type { GatewayApp } from '../server/gateway-app.js';

/** Server settings the CLI can turn on for an agent module (`--playground`, `--metrics`). */
export interface ServerOverrides {
  playground?: boolean;
  /** `--inbox` / `--no-inbox`: the approvals inbox page. */
  inbox?: boolean;
  metrics?: boolean;
  /** `--a2a`: the agent served over A2A. */
  a2a?: boolean;
  /** `--mcp`: the agent served as an MCP server. */
  mcp?: boolean;
  /** `serve --watch`: one secret for every restart, so tokens stay valid. */
  jwtSecret?: string;
  /** `serve --watch`: sessions come back from their tokens after a restart. */
  restoreSessionsFromTokens?: boolean;
}

/**
 * Applies the CLI's server settings and logger to a `createAgent` app by rebuilding it with
 * them, unless the module set the same option itself: the module wins. `flags` are what the person typed
 * (`notice` says when one is not used); `defaults` are the CLI's own choices (the playground on
 * a loopback host), applied silently. Apps built with `createGatewayApp` are kept as they are.
 * Returns the app to serve.
 */
export async function applyServerOverrides(
  app: GatewayApp,
  settings: { flags: ServerOverrides; defaults?: ServerOverrides; logger?: Logger },
  notice: (line: string) => void,
): Promise<GatewayApp> {
  const spec = app.agentDefinition?.spec;
  const flagged = Object.entries(settings.flags).filter(([, value]) => value !== undefined);
  if (spec === undefined) {
    for (const [name] of flagged) {
      notice(
        `--${name} is ignored: the module builds its app with createGatewayApp; set server.${name} there`,
      );
    }
    return app;
  }
  const server: Record<string, unknown> = { ...spec.server };
  let changed = false;
  const apply = (name: string, value: unknown, explicit: boolean): void => {
    if (server[name] !== undefined) {
      if (explicit && server[name] !== value)
        notice(`--${name} is ignored: the agent sets server.${name} itself`);
      return;
    }
    server[name] = value;
    changed = true;
  };
  for (const [name, value] of Object.entries(settings.defaults ?? {})) {
    if (value !== undefined && !Object.hasOwn(settings.flags, name)) apply(name, value, false);
  }
  for (const [name, value] of flagged) apply(name, value, true);
  // The CLI's logger (its level and format) unless the module brings its own.
  const logger = spec.logger === undefined ? settings.logger : undefined;
  if (!changed && logger === undefined) return app;
  const rebuilt = createAgent({ ...spec, server, ...(logger === undefined ? {} : { logger }) });
  // The module's own app never started: closing it releases nothing but its timers.
  await app.close();
  return rebuilt;
}
