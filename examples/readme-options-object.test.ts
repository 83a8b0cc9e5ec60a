import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { binPathOf } from '../src/tools/mcp/__fixtures__/real-mcp-servers.js';
import { createMcpClientManager } from '../src/tools/mcp/create-mcp-client-manager.js';
import type { McpStdioServerConfig } from '../src/tools/mcp/mcp-server-config.js';

/**
 * The README's "One options object" agent names an MCP server by its command line and says how
 * to serve it. These tests start that server as the README writes it, in an empty folder, after
 * the steps the README gives, with the locally installed package standing in for `npx -y`'s
 * download.
 */

const execFileAsync = promisify(execFile);
const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** The text between `## One options object` and the next second-level heading. */
const optionsObjectSection = async (): Promise<string> => {
  const markdown = await readFile(README, 'utf8');
  const start = markdown.indexOf('\n## One options object');
  if (start === -1) throw new Error('README.md has no "## One options object" section');
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end === -1 ? undefined : end);
};

/** The snippet's MCP server, `{ command: 'npx', args: ['-y', package, ...rest] }`. */
const snippetServer = (section: string): { name: string; command: string; args: string[] } => {
  const match = /(\w+): \{ command: '([^']+)', args: \[([^\]]*)\] \}/.exec(section);
  if (match === null) throw new Error('the snippet names no MCP server');
  const args = [...(match[3] ?? '').matchAll(/'([^']*)'/g)].map((arg) => arg[1] ?? '');
  return { name: match[1] ?? '', command: match[2] ?? '', args };
};

/** What the README says to run before `npx agent-gateway serve agent.ts`, if anything. */
const preparationOf = (section: string): string | undefined => {
  const serve = /`([^`]*?)\s*&&\s*npx agent-gateway serve agent\.ts`/.exec(section);
  return serve?.[1];
};

/** The server as `npx -y <package> …` would run it, from this repository's installed copy. */
const asInstalled = (server: { command: string; args: string[] }, cwd: string): McpStdioServerConfig => {
  expect(server.command).toBe('npx');
  expect(server.args[0]).toBe('-y');
  const [, packageName = '', ...rest] = server.args;
  return { command: process.execPath, args: [binPathOf(packageName), ...rest], cwd };
};

describe("README's One options object agent", () => {
  let folder = '';
  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'readme-options-object-'));
  });
  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('starts its MCP server after the steps the README gives', async () => {
    const section = await optionsObjectSection();
    const server = snippetServer(section);
    const preparation = preparationOf(section);
    expect(preparation).toBeDefined();
    await execFileAsync('bash', ['-c', `set -euo pipefail\n${preparation ?? ''}`], { cwd: folder });

    const manager = createMcpClientManager({
      configPath: null,
      servers: { [server.name]: asInstalled(server, folder) },
      logger: silentLogger,
    });
    try {
      await manager.start();
      const status = manager.getServerStatus()[server.name];
      expect(status).toMatchObject({ state: 'connected', lastError: null });
      expect(status?.toolCount).toBeGreaterThan(0);
    } finally {
      await manager.close();
    }
  });

  it('says why its MCP server did not start when the folder is missing', async () => {
    const server = snippetServer(await optionsObjectSection());
    const manager = createMcpClientManager({
      configPath: null,
      servers: { [server.name]: asInstalled(server, folder) },
      logger: silentLogger,
    });
    try {
      await manager.start();
      const status = manager.getServerStatus()[server.name];
      expect(status?.state).toBe('failed');
      expect(status?.lastError).toMatch(
        /^its process exited with code 1 while starting; its last stderr lines: .*handbook/,
      );
    } finally {
      await manager.close();
    }
  });
});
