/** Where a `BufferedLineWriter` sends its text: a Node writable such as `process.stderr`. */
export interface LineSink {
  write(text: string): unknown;
}

/** Options of `createBufferedLineWriter`. */
export interface BufferedLineWriterOptions {
  /** Text held before a write goes out at once, in UTF-16 code units (16 KiB). */
  maxPendingChars?: number;
  /**
   * The shortest time between two writes, in ms (20): the longest a line waits to be written.
   * A line written when the last write is older than that goes out at the end of its turn of
   * the event loop.
   */
  flushIntervalMs?: number;
  /** Flushes what is held when the process exits (true). */
  flushOnExit?: boolean;
}

/** Writes lines to a sink, the lines of a busy stretch together. */
export interface BufferedLineWriter {
  /** Holds `line` (without its newline) for the next write. */
  readonly write: (line: string) => void;
  /** Holds `line`, then writes everything held at once: for lines that must not wait. */
  readonly writeNow: (line: string) => void;
  /** Writes everything held now. */
  readonly flush: () => void;
}

/** Default of `BufferedLineWriterOptions.maxPendingChars`. */
const MAX_PENDING_CHARS = 16 * 1024;
/** Default of `BufferedLineWriterOptions.flushIntervalMs`. */
const FLUSH_INTERVAL_MS = 20;

/**
 * A line writer that writes many lines in one write instead of one write per line: to a pipe
 * or a file, Node writes standard error synchronously, one system call (and one buffer) each.
 * Held lines go out at the end of their turn of the event loop (`setImmediate`) when the last
 * write is at least `flushIntervalMs` old, else when it is: under load, one write per interval
 * rather than one per request; at rest, a line is written as soon as today. Lines keep their
 * order; what is held also goes out at once past `maxPendingChars`, at `writeNow` and when the
 * process exits (an uncaught error included), so only a process killed outright can lose what
 * it held, at most the lines of its last interval.
 */
export function createBufferedLineWriter(
  sink: LineSink,
  options: BufferedLineWriterOptions = {},
): BufferedLineWriter {
  const maxPendingChars = options.maxPendingChars ?? MAX_PENDING_CHARS;
  const intervalMs = options.flushIntervalMs ?? FLUSH_INTERVAL_MS;
  let pending = '';
  /** When the last write went out (`performance.now()`), -Infinity before the first. */
  let lastWriteAt = Number.NEGATIVE_INFINITY;
  let immediate: ReturnType<typeof setImmediate> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = (): void => {
    if (immediate !== undefined) {
      clearImmediate(immediate);
      immediate = undefined;
    }
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (pending === '') return;
    const text = pending;
    pending = '';
    lastWriteAt = performance.now();
    sink.write(text);
  };
  /** Schedules the write of what is held: at the turn's end, or when the interval is over. */
  const schedule = (): void => {
    const wait = lastWriteAt + intervalMs - performance.now();
    if (wait <= 0) immediate = setImmediate(flush).unref();
    else timer = setTimeout(flush, Math.ceil(wait)).unref();
  };
  if (options.flushOnExit !== false) process.once('exit', flush);
  return {
    write(line) {
      pending += `${line}\n`;
      if (pending.length >= maxPendingChars) flush();
      else if (immediate === undefined && timer === undefined) schedule();
    },
    writeNow(line) {
      pending += `${line}\n`;
      flush();
    },
    flush,
  };
}
