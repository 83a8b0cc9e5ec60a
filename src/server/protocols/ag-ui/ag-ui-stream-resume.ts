import { z } from 'zod';
import { HttpError } from '../../../core/http-error.js';
import { parseResumePosition, type ResumePosition } from '../../sse/parse-resume-position.js';
import type { RunAgentInput } from './run-agent-input.js';

/** `forwardedProps.streamResume`: the value of the `CUSTOM stream_resume` event, sent back. */
const streamResumeSchema = z.looseObject({
  lastEventId: z.string(),
  messageId: z.string().optional(),
});

/** Where a resuming AG-UI request continues its run, and the text message it goes on in. */
export interface AgUiStreamResume {
  position: ResumePosition & { runId: string };
  messageId: string | undefined;
}

/**
 * The resume an AG-UI request asks for, or undefined for an ordinary run: a client whose stream
 * ended with `CUSTOM{name: "stream_resume", value}` (its run was handed over to another
 * instance) sends `value` back as `forwardedProps.streamResume`, and the response continues
 * the same run after `lastEventId`. A value that is not that shape is a 422 naming the field.
 */
export function agUiStreamResumeOf(input: RunAgentInput): AgUiStreamResume | undefined {
  const forwarded: unknown = input.forwardedProps;
  const value: unknown =
    typeof forwarded === 'object' && forwarded !== null ? Reflect.get(forwarded, 'streamResume') : undefined;
  if (value === undefined) return undefined;
  const parsed = streamResumeSchema.safeParse(value);
  if (!parsed.success) {
    throw HttpError.detail(
      422,
      'forwardedProps.streamResume must be the value of the stream_resume event: {"lastEventId": "<run id>:<seq>", "messageId"?: string}',
    );
  }
  const position = parseResumePosition(parsed.data.lastEventId);
  const { runId } = position;
  if (runId === undefined) {
    throw HttpError.detail(
      422,
      'forwardedProps.streamResume.lastEventId must name its run: "<run id>:<seq>"',
    );
  }
  return { position: { runId, seq: position.seq }, messageId: parsed.data.messageId };
}
