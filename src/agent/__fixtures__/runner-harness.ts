import type { GatewayEvent } from '../../core/events.js';
import type { Provider } from '../../core/provider.js';
import { AgentRunner } from '../agent-runner.js';
import type { AgentRunnerOptions } from '../agent-runner-options.js';
import { EventLog } from '../event-log.js';
import { silentLogger } from '../../core/logger.js';
import { createFakeToolExecutor } from './fake-tool-executor.js';

/** A runner wired to a fresh event log, with test-friendly defaults (silent, no waits). */
export interface RunnerHarness {
  runner: AgentRunner;
  eventLog: EventLog;
  /** Every event written so far, in order. */
  events(): GatewayEvent[];
  /** The `type` of every event so far. */
  types(): string[];
  /** Concatenated `text_delta` text. */
  text(): string;
}

/** Builds a runner; `overrides` replace any default (tools, timeouts, hooks…). */
export function createRunnerHarness(
  provider: Provider,
  overrides: Partial<Omit<AgentRunnerOptions, 'provider' | 'eventLog'>> = {},
): RunnerHarness {
  const eventLog = new EventLog();
  const runner = new AgentRunner({
    provider,
    eventLog,
    tools: createFakeToolExecutor(),
    sessionId: 'sess_test',
    model: 'scripted-model',
    stubWordDelayMs: 0,
    logger: silentLogger,
    ...overrides,
    retry: { baseDelayMs: 0, ...overrides.retry },
  });
  const events = (): GatewayEvent[] => eventLog.entries().map((entry) => entry.event);
  return {
    runner,
    eventLog,
    events,
    types: () => events().map((event) => event.type),
    text: () =>
      events()
        .flatMap((event) => (event.type === 'text_delta' ? [event.text] : []))
        .join(''),
  };
}
