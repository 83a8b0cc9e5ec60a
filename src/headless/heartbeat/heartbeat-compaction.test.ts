import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../../core/logger.js';
import type { Provider, ProviderRequest } from '../../core/provider.js';
import { createScriptedProvider } from '../../testing/scripted-provider.js';
import { textTurn, toolCallTurn } from '../../testing/scripted-turn.js';
import { tool } from '../../tools/define-tool.js';
import { runAutonomous } from '../run-autonomous.js';
import type { RunOutput } from '../run-output.js';
import { HeartbeatLoop } from './heartbeat-loop.js';

/** Log pages a tick reads before it answers; each page is about 1 000 tokens. */
const PAGES_PER_TICK = 10;
const PAGE = 'line of the service log '.repeat(170);
const TRIGGER = 3_000;
const TICKS = 5;

/** Input tokens of a request, estimated the usual way: four characters a token. */
const measure = (request: ProviderRequest): number =>
  Math.ceil(JSON.stringify({ system: request.system, messages: request.messages }).length / 4);

/**
 * A model whose reported input tokens are the real size of what it was sent. Each tick it
 * reads `PAGES_PER_TICK` log pages with a tool, then answers `HEARTBEAT_OK`; a request without
 * tools is a compaction summary request.
 */
function measuringModel(): { provider: Provider; agentInputs: number[]; startTick(): void } {
  const scripted = createScriptedProvider({ name: 'openai' });
  const agentInputs: number[] = [];
  let turnInTick = 0;
  const provider: Provider = {
    ...scripted,
    stream(request, signal) {
      const inputTokens = measure(request);
      if (request.tools.length === 0) {
        scripted.enqueue(
          textTurn('Summary: log pages read so far look normal.', {
            usage: { inputTokens, outputTokens: 12 },
          }),
        );
      } else {
        agentInputs.push(inputTokens);
        turnInTick += 1;
        scripted.enqueue(
          turnInTick <= PAGES_PER_TICK
            ? toolCallTurn('read_log', { page: turnInTick }, { usage: { inputTokens, outputTokens: 8 } })
            : textTurn('HEARTBEAT_OK', { usage: { inputTokens, outputTokens: 3 } }),
        );
      }
      return scripted.stream(request, signal);
    },
  };
  return { provider, agentInputs, startTick: () => void (turnInTick = 0) };
}

const readLog = tool({
  name: 'read_log',
  description: 'Reads one page of the service log.',
  inputSchema: z.object({ page: z.number() }),
  execute: () => PAGE,
});

/** Runs a heartbeat for `TICKS` ticks, each a headless run; returns what the model was sent. */
async function runHeartbeat(compactionTrigger: number | undefined) {
  const model = measuringModel();
  const outputs: RunOutput[] = [];
  const loop = new HeartbeatLoop({
    runFn: (signal) => {
      model.startTick();
      return runAutonomous({
        systemPrompt: 'You watch a service. Read the log, then answer HEARTBEAT_OK if all is well.',
        provider: model.provider,
        model: 'gpt-4o',
        tools: [readLog],
        logger: silentLogger,
        ...(compactionTrigger === undefined ? {} : { compaction: { trigger: compactionTrigger } }),
        headless: { initialMessage: 'Heartbeat: check the service log.', signal },
      });
    },
    onTick: (tick) => {
      if (tick.output !== null) outputs.push(tick.output);
    },
    logger: silentLogger,
    config: { maxTicks: TICKS, intervalMs: 1 },
  });
  await loop.start();
  return { outputs, agentInputs: model.agentInputs };
}

describe('a heartbeat that reads a lot every tick', () => {
  it('keeps the context it sends the model bounded with compaction.trigger, tick after tick', async () => {
    const { outputs, agentInputs } = await runHeartbeat(TRIGGER);

    expect(outputs).toHaveLength(TICKS);
    expect(outputs.every((output) => output.error === null && output.response === 'HEARTBEAT_OK')).toBe(true);
    // Every tick compacted (it reads ~10 000 tokens of log), and no request grew past the
    // trigger plus the pages read since the last compaction.
    expect(outputs.every((output) => (output.compactions ?? []).length >= 2)).toBe(true);
    expect(agentInputs).toHaveLength(TICKS * (PAGES_PER_TICK + 1));
    expect(Math.max(...agentInputs)).toBeLessThan(2 * TRIGGER);
  });

  it('without compaction the same heartbeat sends ever larger requests (the bound above is not free)', async () => {
    const { outputs, agentInputs } = await runHeartbeat(undefined);

    expect(outputs.every((output) => (output.compactions ?? []).length === 0)).toBe(true);
    expect(Math.max(...agentInputs)).toBeGreaterThan(3 * TRIGGER);
  });
});
