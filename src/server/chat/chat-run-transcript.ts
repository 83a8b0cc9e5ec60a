import type { StartChatRunOptions } from './start-chat-run-options.js';
import { openTranscript, type TranscriptWriter } from './transcript-writer.js';

/**
 * The starting run's transcript (`transcriptDir`), none without one. A new run's first line is
 * its request; a continued or resumed run appends to what its start wrote.
 */
export function openChatRunTranscript(options: StartChatRunOptions): TranscriptWriter | undefined {
  const { config, run, body } = options;
  if (config.transcriptDir === undefined) return undefined;
  const transcript = openTranscript(config.transcriptDir, run.sessionId);
  if (options.continuation === undefined && options.resumption === undefined) {
    transcript.write({ type: 'chat_request', messages: body.messages, context: body.context });
  }
  return transcript;
}
