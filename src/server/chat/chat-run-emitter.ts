import type { EventLog } from '../../agent/event-log.js';
import type { GatewayEvent } from '../../core/events.js';
import type { RunSuspender } from '../pending-answers/run-suspender.js';
import type { RunContinuation } from './start-chat-run-options.js';

/**
 * How the server writes into a run's log (its questions to the client, its failure): the
 * suspender sees each event first (the questions it may suspend the run on), then the log.
 */
export function emitterOf(
  eventLog: Pick<EventLog, 'append'>,
  suspender: Pick<RunSuspender, 'observe'> | undefined,
): (event: GatewayEvent) => void {
  return (event) => {
    suspender?.observe(event);
    eventLog.append(event);
  };
}

/**
 * The first event of a run continued here after its instance stopped: followers see why the
 * stream paused and that what follows continues the same run; like a retried model turn, any
 * partial answer of the interrupted turn is superseded.
 */
export function continuationNotice(continuation: RunContinuation): GatewayEvent {
  return {
    type: 'stream_retry',
    attempt: continuation.epoch - 1,
    error:
      'The gateway instance running this chat stopped; another instance continues it from its ' +
      (continuation.checkpoint === undefined ? 'start.' : 'last completed step.'),
  };
}
