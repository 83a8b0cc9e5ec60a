import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import type { GatewayEvent } from '../core/events.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { runAutonomous } from './run-autonomous.js';

let skillsDir: string;

beforeEach(async () => {
  skillsDir = await mkdtemp(join(tmpdir(), 'autonomous-skills-'));
  await writeFile(
    join(skillsDir, 'researcher.md'),
    '---\nname: researcher\nmax_turns: 4\n---\nYou research one question and report facts.\n',
  );
});

afterEach(async () => {
  await rm(skillsDir, { recursive: true, force: true });
});

describe('runAutonomous with skills', () => {
  it('delegates to a named skill and keeps the sub-agent out of the run output', async () => {
    const provider = createScriptedProvider({
      turns: [
        toolCallTurn('run_agent', { agent: 'researcher', task: 'Find the release date' }),
        textTurn('The release is on Friday.'),
        textTurn('Summary: release on Friday.'),
      ],
    });
    const subAgentEvents: Array<{ event: GatewayEvent; sessionId: string }> = [];
    const output = await runAutonomous({
      systemPrompt: 'You coordinate research.',
      provider,
      model: 'scripted-model',
      logger: silentLogger,
      skills: {
        dir: skillsDir,
      },
      hooks: {
        onEvent: (event, sessionId) => {
          if (sessionId !== 'autonomous-skills-test') subAgentEvents.push({ event, sessionId });
        },
      },
      headless: {
        initialMessage: 'When is the release?',
        sessionId: 'autonomous-skills-test',
      },
    });

    expect(output.error).toBeNull();
    expect(output.toolsUsed).toEqual(['run_agent']);
    expect(output.response).toBe('Summary: release on Friday.');
    // The sub-agent ran with the skill's prompt and the parent saw its report as the tool result.
    const subAgentRequest = provider.requests[1];
    expect(JSON.stringify(subAgentRequest?.system)).toContain('You research one question');
    expect(subAgentRequest?.tools.map((tool) => tool.name)).not.toContain('run_agent');
    expect(JSON.stringify(provider.requests[2]?.messages.at(-1))).toContain('The release is on Friday.');
    expect(subAgentEvents.length).toBeGreaterThan(0);
    expect(subAgentEvents.every(({ sessionId }) => sessionId.startsWith('sub0:'))).toBe(true);
    provider.assertAllConsumed();
  });

  it("compacts a skill's sub-agent with the run's compaction setting", async () => {
    const provider = createScriptedProvider({
      name: 'openai',
      turns: [
        toolCallTurn('run_agent', { agent: 'researcher', task: 'Find the release date' }),
        // The sub-agent's second turn passes the trigger; after its tool result it compacts
        // client-side (the first turn is older than the last one, so there is something to fold).
        toolCallTurn('read_calendar', { month: 5 }),
        toolCallTurn('read_calendar', { month: 6 }, { usage: { inputTokens: 10 } }),
        textTurn('Summary: looking for the release date.'),
        textTurn('Friday.'),
        textTurn('Release on Friday.'),
      ],
    });
    const subAgentEvents: GatewayEvent[] = [];
    const output = await runAutonomous({
      systemPrompt: 'You coordinate research.',
      provider,
      model: 'gpt-4o',
      logger: silentLogger,
      skills: { dir: skillsDir },
      compaction: { trigger: 5, instructions: 'Keep dates.' },
      hooks: {
        onEvent: (event, sessionId) => void (sessionId.startsWith('sub') && subAgentEvents.push(event)),
      },
      headless: { initialMessage: 'When is the release?' },
    });
    expect(output.error).toBeNull();
    expect(output.response).toBe('Release on Friday.');
    const [, subAgentTurn, , summaryCall, afterSummary] = provider.requests;
    expect(JSON.stringify(subAgentTurn?.system)).toContain('You research one question');
    expect(summaryCall?.tools).toEqual([]);
    expect(JSON.stringify([summaryCall?.system, summaryCall?.messages])).toContain('Keep dates.');
    expect(JSON.stringify(afterSummary?.messages[0])).toContain('Summary: looking for the release date.');
    expect(subAgentEvents).toContainEqual({ type: 'compaction', chars: 38 });
    // The parent's own context never passed the trigger.
    expect(output.compactions).toEqual([]);
    provider.assertAllConsumed();
  });
});
