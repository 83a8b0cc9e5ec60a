import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { runAutonomous } from './run-autonomous.js';

const require = createRequire(import.meta.url);
const everythingEntry = (): string => {
  const manifestPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : (Object.values(manifest.bin)[0] ?? '');
  return join(dirname(manifestPath), bin);
};

describe('runAutonomous with MCP servers', () => {
  it('starts the named servers for the run, calls their tools and records them in the state', async () => {
    const provider = createScriptedProvider({
      turns: [toolCallTurn('get-sum', { a: 20, b: 22 }), textTurn('The sum is 42.')],
    });
    const events: string[] = [];
    const output = await runAutonomous({
      systemPrompt: 'You add numbers with tools.',
      provider,
      model: 'scripted-model',
      logger: silentLogger,
      mcp: {
        servers: { everything: { command: process.execPath, args: [everythingEntry(), 'stdio'] } },
      },
      hooks: {
        onEvent: (event) => {
          if (event.type === 'tool_call_complete')
            events.push(`${event.tool_name}@${event.server ?? 'local'}`);
        },
      },
      headless: {
        initialMessage: 'What is 20 + 22?',
      },
    });

    expect(output.error).toBeNull();
    expect(output.toolsUsed).toEqual(['get-sum']);
    expect(output.response).toBe('The sum is 42.');
    expect(events).toEqual(['get-sum@everything']);
    expect(provider.requests[0]?.tools.map((tool) => tool.name)).toContain('echo');
    provider.assertAllConsumed();
  }, 60_000);
});
