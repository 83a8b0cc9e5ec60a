import type { LogEntry } from '../../../core/events.js';
import { waitsForClient } from '../held-runs.js';
import { createTextDeltaFrame } from '../text-delta-frame.js';
import type { SseFraming } from '../../sse/sse-stream.js';
import type { UiMessageEncoder } from './create-ui-message-encoder.js';
import {
  toUiMessageSseFrame,
  toUiMessageSseFrames,
  UI_MESSAGE_STREAM_DONE,
  UI_MESSAGE_STREAM_PING,
} from './ui-message-sse.js';

/**
 * The SSE framing of one UI message stream response: the encoder's chunks as `data:` frames,
 * `data: [DONE]` after the last, keep-alives as comments. When the response ends because the
 * run waits on the client (`finish{finishReason: "tool-calls"}`), `onHold` gets the entry
 * it stopped at, so the route can keep the run alive until the answer comes. A text delta
 * into the open text block (most frames of a reply) is written from the block's serialised
 * prefix without going through the encoder's chunk objects. A response whose run is handed
 * over ends with a transient `data-stream-resume` part and `[DONE]`, without `finish`.
 */
export function uiMessageFraming(
  encoder: UiMessageEncoder,
  onHold: (entry: LogEntry & { event: { tool_call_id: string } }) => void,
): SseFraming {
  const textDeltaFrame = createTextDeltaFrame('text-delta', 'id');
  return {
    frame(entry) {
      const event = entry.event;
      if (event.type === 'text_delta' && event.text !== '') {
        const id = encoder.openTextId;
        if (id !== undefined) return { text: textDeltaFrame(id, event.text), last: false };
      }
      const chunks = encoder.encode(event);
      if (!encoder.ended) return { text: toUiMessageSseFrames(chunks), last: false };
      const last = chunks.at(-1);
      if (last?.type === 'finish' && last.finishReason === 'tool-calls' && waitsForClient(entry.event)) {
        onHold({ seq: entry.seq, event: entry.event });
      }
      return { text: toUiMessageSseFrames(chunks) + UI_MESSAGE_STREAM_DONE, last: true };
    },
    ping: () => UI_MESSAGE_STREAM_PING,
    resume: (notice) => toUiMessageSseFrames(encoder.resume(notice)) + UI_MESSAGE_STREAM_DONE,
    failure: (message) => {
      const closing = encoder.ended ? '' : toUiMessageSseFrame({ type: 'error', errorText: message });
      return closing + UI_MESSAGE_STREAM_DONE;
    },
  };
}
