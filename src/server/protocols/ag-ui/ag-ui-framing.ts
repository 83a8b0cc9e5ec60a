import type { LogEntry } from '../../../core/events.js';
import type { SseFraming } from '../../sse/sse-stream.js';
import { waitsForClient } from '../held-runs.js';
import { createTextDeltaFrame } from '../text-delta-frame.js';
import { lastEventIdOf } from '../../sse/stream-resume-notice.js';
import type { AgUiEvent } from './ag-ui-events.js';
import type { AgUiEncoder } from './create-ag-ui-encoder.js';

/** Response headers of an AG-UI event stream. */
export const AG_UI_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Events as SSE frames: one JSON event per `data:` line, LF only, never `[DONE]`. */
function framesOf(events: readonly AgUiEvent[]): string {
  let text = '';
  for (const event of events) text += `data: ${JSON.stringify(event)}\n\n`;
  return text;
}

/**
 * The SSE framing of one AG-UI response: `RUN_STARTED` before the first event, the encoder's
 * events after it, keep-alives as comments. When the response ends because the run waits on
 * the client (an interrupt, or a frontend tool in `pendingToolCallIds`), `onHold` gets
 * the entry it stopped at, so the route can keep the run alive until the answer comes. A text
 * delta into the open text message (most frames of a reply) is written from the message's
 * serialised prefix without going through the encoder's event objects. A response whose run is
 * handed over ends with `CUSTOM{name: "stream_resume"}` and no `RUN_FINISHED` (see
 * `AgUiEncoder.resume`).
 */
export function agUiFraming(
  encoder: AgUiEncoder,
  onHold: (entry: LogEntry & { event: { tool_call_id: string } }) => void,
): SseFraming {
  let started = false;
  const prefix = (): AgUiEvent[] => {
    if (started) return [];
    started = true;
    return encoder.start();
  };
  const textDeltaFrame = createTextDeltaFrame('TEXT_MESSAGE_CONTENT', 'messageId');
  return {
    frame(entry) {
      const event = entry.event;
      if (event.type === 'text_delta') {
        // Set only after RUN_STARTED went out (the encoder opened it in an earlier frame).
        const id = encoder.openTextId;
        if (id !== undefined) return { text: textDeltaFrame(id, event.text), last: false };
      }
      const events = [...prefix(), ...encoder.encode(event)];
      if (!encoder.ended) return { text: framesOf(events), last: false };
      const last = events.at(-1);
      const held =
        last?.type === 'RUN_FINISHED' &&
        (last.outcome.type === 'interrupt' ||
          (last.outcome.type === 'success' && last.outcome.pendingToolCallIds !== undefined));
      if (held && waitsForClient(entry.event)) onHold({ seq: entry.seq, event: entry.event });
      return { text: framesOf(events), last: true };
    },
    ping: () => ': ping\n\n',
    resume: (notice) =>
      encoder.ended
        ? ''
        : framesOf([
            ...prefix(),
            ...encoder.resume({ reason: notice.reason, lastEventId: lastEventIdOf(notice) }),
          ]),
    failure: (message) =>
      encoder.ended ? '' : framesOf([...prefix(), { type: 'RUN_ERROR', message, code: 'stream_error' }]),
  };
}
