import { toolsFrom } from './helpers/tools-from.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { eventsOfType, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { everythingServer } from './helpers/mcp-everything.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { latestToolResultOf } from './helpers/upstream-tool-results.js';

const cleanup = createCleanupStack();
afterEach(async () => {
  await cleanup.run();
  vi.unstubAllEnvs();
});

const everything = everythingServer;

describe('MCP tools through the HTTP gateway', () => {
  it('advertises server tools, returns the real result and names the server, and goes on after an error', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('echo', {}, { id: 'toolu_bad' }),
        toolCallTurn('echo', { message: 'over MCP' }, { id: 'toolu_good' }),
        textTurn('Echoed.'),
      ],
      agent: {
        mcp: {
          servers: { everything: everything() },
        },
      },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Echo something'));

    const advertised = (upstream.requests[0]?.body as { tools?: Array<{ name: string }> }).tools ?? [];
    expect(advertised.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'get-sum']));
    const [bad, good] = eventsOfType(frames, 'tool_call_complete');
    expect(bad).toMatchObject({ tool_name: 'echo', server: 'everything', result: null });
    expect(bad?.error?.code).toMatch(/mcp_tool_error|tool_error/);
    expect(good).toMatchObject({ tool_name: 'echo', server: 'everything', error: null });
    expect(JSON.stringify(good?.result)).toContain('over MCP');
    expect(latestToolResultOf(upstream.requests[2])?.isError).not.toBe(true);
    expect(textOf(frames)).toBe('Echoed.');
    expect(eventsOfType(frames, 'stream_complete')).toHaveLength(1);
  }, 60_000);

  it('reads servers from ~/.claude.json when named, and a local tool wins a name clash', async () => {
    const home = await mkdtemp(join(tmpdir(), 'mcp-home-'));
    cleanup.add(home, (path) => rm(path, { recursive: true, force: true }));
    await writeFile(join(home, '.claude.json'), JSON.stringify({ mcpServers: { fromfile: everything() } }));
    vi.stubEnv('HOME', home);
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [
        {
          blocks: [
            { type: 'tool_call', name: 'echo', input: { message: 'who answers?' } },
            { type: 'tool_call', name: 'get-sum', input: { a: 2, b: 3 } },
          ],
        },
        textTurn('done'),
      ],
      agent: {
        tools: [
          ...toolsFrom({ echo: () => ({ answeredBy: 'local' }) }, [
            { name: 'echo', description: 'Local echo', input_schema: { type: 'object' } },
          ]),
        ],
        mcp: {
          configPath: '~/.claude.json',
        },
      },
    });
    const session = await gateway.openSession();
    const frames = await readAllSseFrames(await gateway.chat(session.token, 'Echo'));

    const advertised =
      (upstream.requests[0]?.body as { tools?: Array<{ name: string; description: string }> }).tools ?? [];
    expect(advertised.filter((tool) => tool.name === 'echo')).toEqual([
      expect.objectContaining({ description: 'Local echo' }),
    ]);
    expect(advertised.map((tool) => tool.name)).toContain('get-sum');
    const [echo, sum] = eventsOfType(frames, 'tool_call_complete');
    expect(echo).toMatchObject({ result: { answeredBy: 'local' }, server: null });
    expect(sum).toMatchObject({ tool_name: 'get-sum', server: 'fromfile', error: null });
    expect(JSON.stringify(sum?.result)).toContain('5');
  }, 60_000);
});
