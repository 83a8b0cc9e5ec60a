import type { LogEntry } from '../../core/events.js';

/**
 * Keeps a run followed (`release` not called) until its call `toolCallId` completes or the run
 * ends, reading `entries` in the background; a failure to read is reported and lets go.
 */
export function holdUntilCallEnds(
  entries: AsyncIterable<LogEntry>,
  toolCallId: string,
  release: () => void,
  report: (error: unknown, where: string) => void,
): void {
  void (async () => {
    try {
      for await (const { event } of entries) {
        if (event.type === 'tool_call_complete' && event.tool_call_id === toolCallId) return;
        if (event.type === 'stream_complete' || event.type === 'error') return;
      }
    } catch (error) {
      report(error, 'held run');
    } finally {
      release();
    }
  })();
}
