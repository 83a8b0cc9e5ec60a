import { toRunUsage, toToolTiming } from '../../agent/agent-hooks.js';
import type { EventLog } from '../../agent/event-log.js';
import type { GatewayEvent, UsageSummary } from '../../core/events.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { TranscriptWriter } from './transcript-writer.js';

const isUsageSummary = (usage: UsageSummary | Record<string, never>): usage is UsageSummary =>
  typeof usage.input_tokens === 'number';

type Observers = Pick<GatewayServerConfig, 'onEvent' | 'onRunUsage' | 'onToolTiming'>;

/**
 * Connects the app-level observers to a run's event log: `onEvent` for every event, the
 * transcript (every event but heartbeats), and the informational `onRunUsage` /
 * `onToolTiming` hooks derived from `stream_complete` and `tool_call_complete`. Observer failures
 * are reported and never reach the run. Returns the function that detaches them.
 */
export function attachRunObservers(
  eventLog: EventLog,
  sessionId: string,
  observers: Observers,
  transcript: TranscriptWriter | undefined,
  report: (error: unknown, where: string) => void,
): () => void {
  const guard = (where: string, call: () => unknown): void => {
    try {
      const result = call();
      if (result instanceof Promise) result.catch((error: unknown) => report(error, where));
    } catch (error) {
      report(error, where);
    }
  };
  const observe = (event: GatewayEvent): void => {
    if (event.type !== 'heartbeat') transcript?.write({ ...event });
    const { onEvent, onRunUsage, onToolTiming } = observers;
    if (onEvent !== undefined) guard('onEvent', () => onEvent(event, sessionId));
    if (event.type === 'stream_complete' && onRunUsage !== undefined && isUsageSummary(event.usage)) {
      const usage = toRunUsage(sessionId, event.usage);
      guard('onRunUsage', () => onRunUsage(usage));
    }
    if (event.type === 'tool_call_complete' && onToolTiming !== undefined) {
      const timing = toToolTiming(sessionId, event);
      guard('onToolTiming', () => onToolTiming(timing));
    }
  };
  return eventLog.onAppend((entry) => observe(entry.event));
}
