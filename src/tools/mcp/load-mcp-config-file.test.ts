import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRecordingMcpLogger } from './__fixtures__/recording-mcp-logger.js';
import { expandHomePath, loadMcpConfigFile } from './load-mcp-config-file.js';

describe('loadMcpConfigFile', () => {
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

  it('expands ~ against the home directory at call time', () => {
    expect(expandHomePath('~/.claude.json')).toBe(join(home, '.claude.json'));
    expect(expandHomePath('~')).toBe(home);
    expect(expandHomePath('/etc/mcp.json')).toBe('/etc/mcp.json');
  });

  it('returns the top-level mcpServers of ~/.claude.json', async () => {
    await writeFile(
      join(home, '.claude.json'),
      JSON.stringify({ numStartups: 3, mcpServers: { fs: { command: 'npx' } }, projects: {} }),
    );
    const { logger } = createRecordingMcpLogger();
    expect(await loadMcpConfigFile('~/.claude.json', logger)).toEqual({ fs: { command: 'npx' } });
  });

  it('treats a missing file as no servers, silently', async () => {
    const recording = createRecordingMcpLogger();
    expect(await loadMcpConfigFile('~/.claude.json', recording.logger)).toEqual({});
    expect(recording.lines).toEqual([]);
  });

  it('logs a malformed file as an error and contributes nothing', async () => {
    await writeFile(join(home, '.claude.json'), '{ "mcpServers": ');
    const recording = createRecordingMcpLogger();
    expect(await loadMcpConfigFile('~/.claude.json', recording.logger)).toEqual({});
    expect(recording.lines).toEqual([
      expect.objectContaining({
        level: 'error',
        message: expect.stringContaining('is not valid JSON') as unknown,
      }),
    ]);
  });

  it('logs an mcpServers value that is not an object', async () => {
    await writeFile(join(home, 'servers.json'), JSON.stringify({ mcpServers: ['fs'] }));
    const recording = createRecordingMcpLogger();
    expect(await loadMcpConfigFile(join(home, 'servers.json'), recording.logger)).toEqual({});
    expect(recording.text()).toContain('`mcpServers`');
  });
});
