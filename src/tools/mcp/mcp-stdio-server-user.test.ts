import { afterEach, describe, expect, it } from 'vitest';
import { REACH_ADVICE, unreachableBy } from '../../../test/helpers/account-reach.js';
import { filesystemStdioConfig } from './__fixtures__/real-mcp-servers.js';
import { createRecordingMcpLogger } from './__fixtures__/recording-mcp-logger.js';
import { createMcpClientManager, type McpClientManager } from './create-mcp-client-manager.js';
import type { McpStdioServerConfig } from './mcp-server-config.js';

const never = (): AbortSignal => new AbortController().signal;
const isRoot = process.getuid?.() === 0;
const NOBODY = { uid: 65534, gid: 65534 };

// `nobody` runs the server's script from the checkout's node_modules: a checkout in a 0700
// folder (root's home, a `mktemp -d` folder) is out of its reach, and the tests skip, saying so.
const serverScript = filesystemStdioConfig('/').args?.[0] ?? '';
const unreachable = isRoot ? await unreachableBy(serverScript, { name: 'nobody', ...NOBODY }) : undefined;
if (unreachable !== undefined) {
  console.warn(
    `stdio MCP servers with a user of their own: skipped, ${unreachable} on the way to ${serverScript}; ${REACH_ADVICE}`,
  );
}

const managers: McpClientManager[] = [];
afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.close()));
});

/**
 * Starts the real server-filesystem, allowed to read the gateway's own /proc entry: the attack is
 * a third-party MCP server reading `/proc/<its parent>/environ`, where the gateway's API keys
 * and JWT secret live.
 */
async function startFilesystemServer(extra: Partial<McpStdioServerConfig>): Promise<McpClientManager> {
  const manager = createMcpClientManager({
    configPath: null,
    servers: { files: { ...filesystemStdioConfig(`/proc/${process.pid}`), ...extra } },
    logger: createRecordingMcpLogger().logger,
  });
  managers.push(manager);
  await manager.start();
  return manager;
}

const readGatewayEnvironment = (manager: McpClientManager) =>
  manager.callTool('read_text_file', { path: `/proc/${process.pid}/environ` }, never());

describe.skipIf(!isRoot || unreachable !== undefined)(
  'stdio MCP servers with a user of their own (gateway running as root)',
  () => {
    it('lets a server started as the gateway user read the gateway environment (the threat)', async () => {
      const manager = await startFilesystemServer({});
      const outcome = await readGatewayEnvironment(manager);
      expect(outcome.ok).toBe(true);
      expect(JSON.stringify(outcome)).toContain('PATH=');
    });

    it('keeps the gateway environment out of reach of a server started with user: { uid, gid }', async () => {
      const manager = await startFilesystemServer({ user: NOBODY });
      expect(manager.getServerNames()).toEqual(['files']);
      const outcome = await readGatewayEnvironment(manager);
      expect(outcome.ok).toBe(false);
      expect(JSON.stringify(outcome)).not.toContain('PATH=');
      expect(JSON.stringify(outcome)).toMatch(/EACCES|permission denied/i);
    });

    it('runs the server process under the configured uid and gid', async () => {
      const manager = await startFilesystemServer({ user: NOBODY });
      const pid = manager.getServerStatus().files?.pid;
      expect(typeof pid).toBe('number');
      const { readFile } = await import('node:fs/promises');
      const status = await readFile(`/proc/${String(pid)}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
      expect(status).toMatch(/^Gid:\s+65534\s+65534\s+65534\s+65534$/m);
      expect(status).toMatch(/^Groups:\s*$/m);
    });
  },
);

describe('user: { uid, gid } validation', () => {
  it('rejects a user entry that is not a pair of non-negative integers', async () => {
    const { parseMcpServerConfig } = await import('./mcp-server-config.js');
    expect(parseMcpServerConfig({ command: 'server', user: { uid: -1, gid: 0 } })).toEqual({
      ok: false,
      problem: '`user` must be { uid, gid } with non-negative integer ids',
    });
    expect(parseMcpServerConfig({ command: 'server', user: 'nobody' })).toMatchObject({ ok: false });
    expect(parseMcpServerConfig({ command: 'server', user: { uid: 1000, gid: 1000 } })).toEqual({
      ok: true,
      config: { type: 'stdio', command: 'server', user: { uid: 1000, gid: 1000 } },
    });
  });
});
