import type { Logger } from '../../core/logger.js';
import { parseMcpServerConfig } from './mcp-server-config.js';
import type { McpServerConfig } from './mcp-server-config.js';

/** One server the manager will connect to, in configuration order. */
export interface NamedMcpServerConfig {
  name: string;
  config: McpServerConfig;
}

/** Inputs of `resolveMcpServers`. */
export interface ResolveMcpServersInput {
  /** Raw entries from the config file (unchecked JSON). */
  fileServers: Record<string, unknown>;
  /** Inline entries from code (still checked: they may come from user JSON too). */
  inlineServers: Record<string, unknown>;
  /** When set, only these names are kept. */
  allowedServers: ReadonlySet<string> | undefined;
  logger: Logger;
}

/**
 * Merges file and inline servers into one ordered list. An inline entry replaces a file entry
 * of the same name in place (so file order still decides which server wins a tool-name clash);
 * new inline names follow. Entries outside `allowedServers` are dropped quietly (that is the
 * point of the allow-list); invalid entries are logged and skipped, never fatal.
 */
export function resolveMcpServers(input: ResolveMcpServersInput): NamedMcpServerConfig[] {
  const merged = new Map<string, unknown>(Object.entries(input.fileServers));
  for (const [name, raw] of Object.entries(input.inlineServers)) merged.set(name, raw);

  const servers: NamedMcpServerConfig[] = [];
  for (const [name, raw] of merged) {
    if (input.allowedServers !== undefined && !input.allowedServers.has(name)) continue;
    const parsed = parseMcpServerConfig(raw);
    if (!parsed.ok) {
      input.logger.warn(`MCP server '${name}' skipped: ${parsed.problem}`, { server: name });
      continue;
    }
    servers.push({ name, config: parsed.config });
  }
  return servers;
}
