import type { GatewayEvent } from '../../core/events.js';
import type { Provider } from '../../core/provider.js';
import type { RunOptions, RunResult } from '../agent-loop-input.js';
import { createAgentLoop, type AgentLoop } from '../create-agent-loop.js';
import { splitRunAgentOptions, type AgentRunnerOptions } from '../run-agent.js';
import { EventLog } from '../event-log.js';
import { silentLogger } from '../../core/logger.js';
import { createFakeToolExecutor } from './fake-tool-executor.js';

/** A loop and one run's parts (a fresh event log, tools, session), with test-friendly defaults. */
export interface RunnerHarness {
  loop: AgentLoop;
  /** Runs the loop with the harness's event log, tools and session. */
  runner: { run(input: RunOptions): Promise<RunResult> };
  eventLog: EventLog;
  /** Every event written so far, in order. */
  events(): GatewayEvent[];
  /** The `type` of every event so far. */
  types(): string[];
  /** Concatenated `text_delta` text. */
  text(): string;
}

/**
 * Builds a loop (silent, no waits) and the parts of its runs; `overrides` replace any default
 * (loop settings such as timeouts and hooks, or run parts such as tools) and are checked here.
 */
export function createRunnerHarness(
  provider: Provider,
  overrides: Partial<Omit<AgentRunnerOptions, 'provider' | 'eventLog'>> = {},
): RunnerHarness {
  const eventLog = new EventLog();
  const { settings, input: parts } = splitRunAgentOptions({
    provider,
    eventLog,
    tools: createFakeToolExecutor(),
    sessionId: 'sess_test',
    model: 'scripted-model',
    stubWordDelayMs: 0,
    logger: silentLogger,
    ...overrides,
    retry: { baseDelayMs: 0, ...overrides.retry },
    messages: [],
  });
  const loop = createAgentLoop(settings);
  const events = (): GatewayEvent[] => eventLog.entries().map((entry) => entry.event);
  return {
    loop,
    runner: { run: (input) => loop.run({ ...parts, ...input }) },
    eventLog,
    events,
    types: () => events().map((event) => event.type),
    text: () =>
      events()
        .flatMap((event) => (event.type === 'text_delta' ? [event.text] : []))
        .join(''),
  };
}
