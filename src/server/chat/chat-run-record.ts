import { createAnswerAudit } from '../pending-answers/answer-audit.js';
import { publishInboxChange } from '../threads/inbox-change-bus.js';
import { startRunRecording, type RunRecording } from '../threads/run-recorder.js';
import type { ChatRunEventLog } from './chat-run-event-log.js';
import type { StartChatRunOptions } from './start-chat-run-options.js';

/**
 * Begins the starting run's record in the database (undefined without one): at once, or a
 * promise when its start is awaited (`startRunRecording`). Called before anything starts: a run
 * that cannot be recorded does not start (503).
 */
export function recordChatRun(
  options: StartChatRunOptions,
  model: string | undefined,
): RunRecording | undefined | Promise<RunRecording> {
  const { config, stores, session, run, body } = options;
  const { report } = options.registration;
  return startRunRecording({
    database: config.database,
    session,
    runId: run.runId,
    model,
    request: body,
    continued: options.continuation !== undefined || options.resumption !== undefined,
    report,
    onInboxChange: (change) => publishInboxChange(stores.bus, change, report),
    // The audit's one writer; made only when a wait of the run ends (most chats have none).
    recordInAudit: (inbox, approval, answer) =>
      createAnswerAudit({ bus: stores.bus, report }).record(inbox, approval, answer),
  });
}

/**
 * Opens the starting run's event log, numbered after what a continued run already wrote. With
 * a record, the record's start goes out once the run has answered for a while (or when it is
 * needed): a short run writes its record once, at its end.
 */
export function openChatRunLog(
  { run, continuation, resumption }: StartChatRunOptions,
  recording: RunRecording | undefined,
): ChatRunEventLog {
  const eventLog = run.openLog(continuation?.afterSeq ?? resumption?.afterSeq ?? 0);
  if (recording !== undefined) {
    const stopWatching = eventLog.onAppend(() => {
      stopWatching();
      recording.writeStartLater();
    });
  }
  return eventLog;
}
