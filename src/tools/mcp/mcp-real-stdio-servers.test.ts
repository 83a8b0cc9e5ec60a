import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  everythingStdioConfig,
  filesystemStdioConfig,
  isProcessAlive,
} from './__fixtures__/real-mcp-servers.js';
import { createRecordingMcpLogger } from './__fixtures__/recording-mcp-logger.js';
import { createMcpClientManager } from './create-mcp-client-manager.js';
import type { McpClientManager } from './create-mcp-client-manager.js';

const never = (): AbortSignal => new AbortController().signal;

describe('MCP manager with real stdio servers (server-everything, server-filesystem)', () => {
  let workDir: string;
  let manager: McpClientManager;
  const recording = createRecordingMcpLogger();

  beforeAll(async () => {
    workDir = await realpath(await mkdtemp(join(tmpdir(), 'mcp-fs-')));
    await writeFile(join(workDir, 'notes.txt'), 'hello from disk');
    manager = createMcpClientManager({
      configPath: null,
      servers: {
        everything: everythingStdioConfig(),
        filesystem: filesystemStdioConfig(workDir),
        broken: { command: join(workDir, 'no-such-server') },
      },
      serverToolTimeoutsMs: { everything: 1000 },
      logger: recording.logger,
    });
    await manager.start();
  });

  afterAll(async () => {
    await manager.close();
    await rm(workDir, { recursive: true, force: true });
  });

  it('lists the tools of both servers and skips the one that cannot start', () => {
    expect(manager.getServerNames()).toEqual(['everything', 'filesystem']);
    const catalog = manager.getServerCatalog();
    expect(catalog.everything?.tools).toEqual(
      expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']),
    );
    expect(catalog.filesystem?.tools).toEqual(expect.arrayContaining(['read_text_file', 'list_directory']));
    expect(catalog.broken).toBeUndefined();
    expect(manager.getServerStatus().broken?.state).toBe('failed');
    expect(recording.text()).toContain("MCP server 'broken' skipped: it failed to start");
    const echo = manager.getToolDefinitions().find(({ name }) => name === 'echo');
    expect(echo).toMatchObject({
      description: 'Echoes back the input string',
      input_schema: { type: 'object' },
    });
  });

  it('forwards server stderr lines to the logger, labelled with the server', () => {
    expect(recording.lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        message: expect.stringMatching(/^\[mcp:everything\] /) as unknown,
      }),
    );
  });

  it('returns real results from both servers', async () => {
    expect(await manager.callTool('echo', { message: 'hi' }, never())).toEqual({
      ok: true,
      result: { text: 'Echo: hi' },
      server: 'everything',
    });
    expect(await manager.callTool('get-sum', { a: 2, b: 40 }, never())).toEqual({
      ok: true,
      result: { text: 'The sum of 2 and 40 is 42.' },
      server: 'everything',
    });
    expect(await manager.callTool('read_text_file', { path: join(workDir, 'notes.txt') }, never())).toEqual({
      ok: true,
      result: { content: 'hello from disk' },
      server: 'filesystem',
    });
  });

  it('maps isError results to mcp_tool_error', async () => {
    expect(
      await manager.callTool('read_text_file', { path: join(workDir, 'missing.txt') }, never()),
    ).toMatchObject({
      ok: false,
      error: {
        code: 'mcp_tool_error',
        sub_code: 'not_found',
        message: expect.stringContaining('ENOENT') as unknown,
      },
      server: 'filesystem',
    });
    expect(await manager.callTool('echo', {}, never())).toMatchObject({
      ok: false,
      error: {
        code: 'mcp_tool_error',
        message: expect.stringContaining('Input validation error') as unknown,
      },
      server: 'everything',
    });
  });

  it('times out a slow call after the per-server timeout', async () => {
    const outcome = await manager.callTool(
      'trigger-long-running-operation',
      { duration: 5, steps: 5 },
      never(),
    );
    expect(outcome).toEqual({
      ok: false,
      error: {
        code: 'tool_error',
        sub_code: 'timeout',
        message: "MCP tool 'trigger-long-running-operation' on server 'everything' timed out after 1s",
      },
      server: 'everything',
    });
  });

  it('restarts a killed stdio server on the next call', async () => {
    const before = manager.getServerStatus().everything;
    expect(before?.pid).toEqual(expect.any(Number));
    process.kill(before?.pid ?? -1, 'SIGKILL');
    await vi.waitFor(() => expect(manager.getServerStatus().everything?.state).toBe('down'), {
      timeout: 5_000,
    });

    expect(await manager.callTool('echo', { message: 'again' }, never())).toEqual({
      ok: true,
      result: { text: 'Echo: again' },
      server: 'everything',
    });
    const after = manager.getServerStatus().everything;
    expect(after).toMatchObject({ state: 'connected', restarts: (before?.restarts ?? 0) + 1 });
    expect(after?.pid).not.toBe(before?.pid);
  });
});

describe('MCP manager shutdown with real stdio servers', () => {
  it('closes idempotently and leaves no child process behind', async () => {
    const manager = createMcpClientManager({
      configPath: null,
      servers: { everything: everythingStdioConfig() },
      logger: createRecordingMcpLogger().logger,
    });
    await manager.start();
    const pid = manager.getServerStatus().everything?.pid;
    expect(pid).toEqual(expect.any(Number));
    expect(isProcessAlive(pid ?? -1)).toBe(true);

    await Promise.all([manager.close(), manager.close()]);
    await manager.close();
    expect(isProcessAlive(pid ?? -1)).toBe(false);
    expect(manager.getServerNames()).toEqual([]);
  });
});

describe('MCP stdio server that dies while starting', () => {
  it('is reported by its exit code and last stderr lines, in the log and in its status', async () => {
    const recording = createRecordingMcpLogger();
    const manager = createMcpClientManager({
      configPath: null,
      servers: {
        dead: {
          command: process.execPath,
          args: [
            '-e',
            "console.error('loading ./handbook'); console.error('ENOENT: no such directory ./handbook'); process.exit(3)",
          ],
        },
      },
      logger: recording.logger,
    });
    try {
      await manager.start();
      const cause =
        'its process exited with code 3 while starting; its last stderr lines: "loading ./handbook" "ENOENT: no such directory ./handbook"';
      expect(manager.getServerStatus().dead).toMatchObject({ state: 'failed', lastError: cause });
      expect(recording.text()).toContain(`MCP server 'dead' skipped: it failed to start: ${cause}`);
      expect(recording.text()).not.toContain('AbortError');
    } finally {
      await manager.close();
    }
  });
});

describe('MCP servers from ~/.claude.json', () => {
  let home: string;
  const originalHome = process.env.HOME;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'mcp-home-'));
    process.env.HOME = home;
  });
  afterEach(async () => {
    process.env.HOME = originalHome;
    await rm(home, { recursive: true, force: true });
  });

  it('reads the default file at start, with inline servers overriding same-named file entries', async () => {
    await writeFile(
      join(home, '.claude.json'),
      JSON.stringify({
        mcpServers: {
          everything: everythingStdioConfig(),
          overridden: { command: join(home, 'would-fail') },
          invalid: { args: ['no command'] },
        },
      }),
    );
    const recording = createRecordingMcpLogger();
    const manager = createMcpClientManager({
      servers: { overridden: filesystemStdioConfig(home) },
      logger: recording.logger,
    });
    try {
      await manager.start();
      expect(manager.getServerNames()).toEqual(['everything', 'overridden']);
      expect(manager.getServerForTool('echo')).toBe('everything');
      expect(manager.getServerForTool('list_directory')).toBe('overridden');
      expect(recording.text()).toContain(
        "MCP server 'invalid' skipped: `command` must be a non-empty string",
      );
    } finally {
      await manager.close();
    }
  });
});
