import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';

/**
 * Expands a leading `~` to the user's home directory. The home is read at call time, not at
 * import, so a process (or a test) that changes HOME sees the new value.
 */
export function expandHomePath(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

/**
 * Reads the top-level `mcpServers` object of a Claude-style JSON file and returns its raw
 * entries (checked later, one by one). A missing file means "no servers" (most machines have
 * no `~/.claude.json`); an unreadable or malformed file is logged as an error and contributes
 * nothing, so one broken file never stops the gateway or hides inline servers.
 */
export async function loadMcpConfigFile(
  path: string,
  logger: Logger,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const resolvedPath = expandHomePath(path);
  let text: string;
  try {
    text = await readFile(resolvedPath, { encoding: 'utf8', signal });
  } catch (thrown) {
    if (isErrorWithCode(thrown, 'ENOENT')) return {};
    if (signal?.aborted === true) throw thrown;
    logger.error(`MCP config file ${resolvedPath} could not be read; its servers are skipped`, {
      path: resolvedPath,
      error: thrown instanceof Error ? thrown.message : String(thrown),
    });
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (thrown) {
    logger.error(`MCP config file ${resolvedPath} is not valid JSON; its servers are skipped`, {
      path: resolvedPath,
      error: thrown instanceof Error ? thrown.message : String(thrown),
    });
    return {};
  }
  if (!isRecord(parsed)) {
    logger.error(`MCP config file ${resolvedPath} must hold a JSON object; its servers are skipped`, {
      path: resolvedPath,
    });
    return {};
  }
  const servers = parsed.mcpServers;
  if (servers === undefined) return {};
  if (!isRecord(servers)) {
    logger.error(`\`mcpServers\` in ${resolvedPath} must be an object; its servers are skipped`, {
      path: resolvedPath,
    });
    return {};
  }
  return servers;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isErrorWithCode(value: unknown, code: string): boolean {
  return value instanceof Error && (value as NodeJS.ErrnoException).code === code;
}
