import type { GatewayEvent } from '../../core/events.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import { questionOf, type RunSuspender } from './run-suspender.js';

/**
 * A run suspender made only once the run asks a person something (an event announces a
 * question, or a call starts waiting for its answer): most runs never do, and a suspender's
 * state (its maps, timers and closures) was a kilobyte and a half of garbage per chat. Until
 * then it keeps only the run's latest checkpoint, which it hands to the suspender it makes. A
 * run that never asked has nothing to suspend (`suspendNow` answers false) or release.
 */
export function createLazyRunSuspender(create: () => RunSuspender): RunSuspender {
  let made: RunSuspender | undefined;
  let latest: RunCheckpoint | undefined;
  let stopped = false;
  const suspender = (): RunSuspender => {
    if (made === undefined) {
      made = create();
      if (latest !== undefined) made.checkpoint(latest);
      if (stopped) made.stop();
    }
    return made;
  };
  return {
    observe(event: GatewayEvent) {
      if (made !== undefined || questionOf(event) !== undefined) suspender().observe(event);
    },
    checkpoint(checkpoint) {
      if (made === undefined) latest = checkpoint;
      else made.checkpoint(checkpoint);
    },
    waiting: (toolCallId) => suspender().waiting(toolCallId),
    suspendNow: () => made?.suspendNow() ?? Promise.resolve(false),
    stop() {
      stopped = true;
      made?.stop();
    },
    released: () => made?.released() ?? Promise.resolve(),
  };
}
