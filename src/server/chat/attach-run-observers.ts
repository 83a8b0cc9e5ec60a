import { toRunUsage, toToolTiming } from '../../agent/agent-hooks.js';
import type { EventLog } from '../../agent/event-log.js';
import type { GatewayEvent, UsageSummary } from '../../core/events.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { TranscriptWriter } from './transcript-writer.js';

const isUsageSummary = (usage: UsageSummary | Record<string, never>): usage is UsageSummary =>
  typeof usage.input_tokens === 'number';

type Observers = Pick<GatewayServerConfig, 'onEvent' | 'onRunUsage' | 'onToolTiming'>;

/** What `attachRunObservers` answers when nothing observes the run. */
const detachNothing = (): void => undefined;

/**
 * Connects the app-level observers to a run's event log: `onEvent` for every event, the
 * transcript (every event but heartbeats), and the informational `onRunUsage` /
 * `onToolTiming` hooks derived from `stream_complete` and `tool_call_complete`. Observer failures
 * are reported and never reach the run. Returns the function that detaches them. The hooks are
 * read once, when the run starts.
 */
export function attachRunObservers(
  eventLog: EventLog,
  sessionId: string,
  observers: Observers,
  transcript: TranscriptWriter | undefined,
  report: (error: unknown, where: string) => void,
): () => void {
  // Nothing observes (no hooks, no transcript: the default `serve`): no listener on the log,
  // so appending an event calls nothing here.
  const { onEvent, onRunUsage, onToolTiming } = observers;
  if (
    transcript === undefined &&
    onEvent === undefined &&
    onRunUsage === undefined &&
    onToolTiming === undefined
  ) {
    return detachNothing;
  }
  /** A failure of an observer, thrown or rejected, is reported; a closure per event is not made. */
  const settle = (where: string, result: unknown): void => {
    if (result instanceof Promise) result.catch((error: unknown) => report(error, where));
  };
  const observe = (event: GatewayEvent): void => {
    if (event.type !== 'heartbeat') transcript?.write({ ...event });
    if (onEvent !== undefined) {
      try {
        settle('onEvent', onEvent(event, sessionId));
      } catch (error) {
        report(error, 'onEvent');
      }
    }
    if (event.type === 'stream_complete' && onRunUsage !== undefined && isUsageSummary(event.usage)) {
      try {
        settle('onRunUsage', onRunUsage(toRunUsage(sessionId, event.usage)));
      } catch (error) {
        report(error, 'onRunUsage');
      }
    }
    if (event.type === 'tool_call_complete' && onToolTiming !== undefined) {
      try {
        settle('onToolTiming', onToolTiming(toToolTiming(sessionId, event)));
      } catch (error) {
        report(error, 'onToolTiming');
      }
    }
  };
  return eventLog.onAppend((entry) => observe(entry.event));
}
