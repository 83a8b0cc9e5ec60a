/** What the load client saw of one streamed chat, gateway or direct. */
export interface StreamObservation {
  /** `performance.now()` when the request started (to compute how many streams were open at once). */
  startedAt: number;
  /** HTTP status of the (last) attempt; 0 when the request failed before a response. */
  status: number;
  /** Request start to response headers, ms. */
  ttfbMs: number | undefined;
  /** Request start to the first text delta, ms. */
  firstTextMs: number | undefined;
  textDeltas: number;
  /** Gaps between consecutive text deltas, ms (only when asked for). */
  gapsMs: number[];
  /** How the stream ended: its terminal event, or undefined when it was cut or aborted. */
  terminal: 'stream_complete' | 'error' | undefined;
  /** Text of an `error` event or of a client-side failure. */
  errorText?: string;
  /** Sequence numbers skipped between consecutive `id:`s (gateway only): lost events. */
  missingSeq: number;
  /** Request start to the end of the stream, ms. */
  totalMs: number;
  /** Epoch ms at which the client aborted the stream (abort scenarios). */
  abortedAtEpochMs?: number;
  /** 409 answers (session busy) retried before this chat started. */
  busyRetries: number;
}

/** A fresh observation, before anything was received. */
export function emptyObservation(): StreamObservation {
  return {
    startedAt: performance.now(),
    status: 0,
    ttfbMs: undefined,
    firstTextMs: undefined,
    textDeltas: 0,
    gapsMs: [],
    terminal: undefined,
    missingSeq: 0,
    totalMs: 0,
    busyRetries: 0,
  };
}

/** Options of one observed chat. */
export interface ChatRequest {
  /** The user message (a bench directive). */
  text: string;
  /** Record the gap between consecutive text deltas. */
  collectGaps?: boolean;
  /** Abort the request as soon as the first text delta arrives (and record when). */
  abortOnFirstText?: boolean;
  /** Called once when the first text delta arrives (the stream keeps going). */
  onFirstText?: () => void;
  /** Gives up on the stream (the observation then has no terminal). */
  signal?: AbortSignal;
}
