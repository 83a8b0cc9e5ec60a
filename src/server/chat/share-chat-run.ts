import type { ChatRunEventLog } from './chat-run-event-log.js';
import { shareRun, type SharedRun } from './share-run.js';
import type { StartChatRunOptions } from './start-chat-run-options.js';
import type { TranscriptWriter } from './transcript-writer.js';

/**
 * Shares the starting run with the other instances when the stores are shared (`shareRun`;
 * undefined otherwise). When that fails the run does not start: the observers and transcript
 * already attached to it are let go, and the error goes on to the caller. Undefined at once
 * when there is nothing to share.
 */
export function shareChatRun(
  options: StartChatRunOptions,
  eventLog: ChatRunEventLog,
  detachObservers: () => void,
  transcript: TranscriptWriter | undefined,
): Promise<SharedRun | undefined> | undefined {
  const { stores, session, run, body, continuation } = options;
  // Nothing to share (what `shareRun` checks first): no promise, no copy of the request.
  if (options.shared === undefined || stores.runEvents === undefined || stores.runDirectory === undefined) {
    return undefined;
  }
  return shareRun({
    stores,
    runId: run.runId,
    session,
    eventLog,
    run,
    ...(options.shared === undefined ? {} : { shared: options.shared }),
    request: { ...body },
    ...(continuation === undefined ? {} : { takenOverAtEpoch: continuation.epoch }),
    report: options.registration.report,
  }).catch(async (error: unknown) => {
    detachObservers();
    await transcript?.close();
    throw error;
  });
}
