import type { LogEntry } from '../../core/events.js';
import { formatStreamResumeNotice, type StreamResume } from './stream-resume-notice.js';

/** The frames of one entry, as a framing hands them to a stream. */
export interface SseFrame {
  /** The frames as text (`''` for none, or when `bytes` carries them). */
  text: string;
  /**
   * The frames already encoded, instead of `text`: a large frame is encoded once and the same
   * bytes are written to every stream of the run (never modified).
   */
  bytes?: Uint8Array | undefined;
  /** The response ends after these frames. */
  last: boolean;
}

/** How a stream turns log entries into frames; see `SseStreamOptions.framing`. */
export interface SseFraming {
  /**
   * The frames of one entry (`''` for none) and whether the response ends after them. An end
   * counts as complete: `onAbandoned` is not called for it. The caller reads the result before
   * the next call, so a framing may hand back the same object every time.
   */
  frame(entry: LogEntry): SseFrame;
  /** A keep-alive frame (an SSE comment for protocols whose clients parse every `data:`). */
  ping(nowMs: number): string;
  /** What to send when an entry cannot be framed or the entries fail; the stream then ends. */
  failure(message: string): string;
  /**
   * The protocol's last frames for a stream whose run goes on on another instance (a shutdown
   * handed it over): they close what is open and tell the client to reconnect, never that the
   * answer finished or failed. Without it such a stream just ends.
   */
  resume?(notice: StreamResume): string;
}

/**
 * Serialises one log entry as an SSE frame: `id: <runId>:<seq>` (or `id: <seq>` without a run
 * id) then one `data:` line of compact JSON. JSON never contains a raw newline, so a single
 * data line is always enough.
 */
export function formatSseEntry(entry: LogEntry, runId?: string): string {
  const id = runId === undefined ? String(entry.seq) : `${runId}:${entry.seq}`;
  return `id: ${id}\ndata: ${JSON.stringify(entry.event)}\n\n`;
}

/** Frames at least this long are encoded once and shared by the streams of a run. */
const SHARED_FRAME_MIN_LENGTH = 64 * 1024;

/** The large frame encoded last: the entry, the id prefix it was framed with, and its bytes. */
let sharedFrame: { entry: LogEntry; idPrefix: string; bytes: Uint8Array } | undefined;

const encoder = new TextEncoder();

/** Our native framing: `id:` + `data:` per event, heartbeats as `heartbeat` events. */
export function nativeSseFraming(runId?: string): SseFraming {
  return new NativeSseFraming(runId);
}

/** Our native framing as a class: a stream per chat makes its per-stream closures count. */
export class NativeSseFraming implements SseFraming {
  /** The id prefix is the same for every frame of the stream: built once. */
  private readonly idPrefix: string;
  /**
   * One result object for the stream, refilled per entry: the frame string is the only
   * allocation per delta.
   */
  private readonly framed: SseFrame = { text: '', bytes: undefined, last: false };

  constructor(runId?: string) {
    this.idPrefix = runId === undefined ? 'id: ' : `id: ${runId}:`;
  }

  frame(entry: LogEntry): SseFrame {
    const { framed, idPrefix } = this;
    framed.last = entry.event.type === 'stream_complete' || entry.event.type === 'error';
    // Every follower of a run frames an appended entry in the same append: a large one (a
    // tool result with images) is serialised and encoded once for all of them, not once per
    // follower in one turn of the event loop. Only the last one is kept.
    if (sharedFrame?.entry === entry && sharedFrame.idPrefix === idPrefix) {
      framed.text = '';
      framed.bytes = sharedFrame.bytes;
      return framed;
    }
    const text = `${idPrefix}${entry.seq}\ndata: ${JSON.stringify(entry.event)}\n\n`;
    if (text.length < SHARED_FRAME_MIN_LENGTH) {
      framed.text = text;
      framed.bytes = undefined;
      return framed;
    }
    sharedFrame = { entry, idPrefix, bytes: encoder.encode(text) };
    framed.text = '';
    framed.bytes = sharedFrame.bytes;
    return framed;
  }

  ping(nowMs: number): string {
    return `data: ${JSON.stringify({ type: 'heartbeat', timestamp: Math.floor(nowMs / 1000) })}\n\n`;
  }

  failure(message: string): string {
    return `data: ${JSON.stringify({ type: 'stream_error', error: message })}\n\n`;
  }

  resume(notice: StreamResume): string {
    return formatStreamResumeNotice(notice.runId, notice.lastSeq, notice.reason);
  }
}
