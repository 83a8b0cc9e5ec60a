/** Where a `BufferedLineWriter` sends its text: a Node writable such as `process.stderr`. */
export interface LineSink {
  write(text: string): unknown;
}

/** Options of `createBufferedLineWriter`. */
export interface BufferedLineWriterOptions {
  /** Text held before a write goes out at once, in UTF-16 code units (64 KiB). */
  maxPendingChars?: number;
  /** Flushes what is held when the process exits (true). */
  flushOnExit?: boolean;
}

/** Writes lines to a sink, the lines of one turn of the event loop together. */
export interface BufferedLineWriter {
  /** Holds `line` (without its newline) for the turn's write. */
  readonly write: (line: string) => void;
  /** Holds `line`, then writes everything held at once: for lines that must not wait. */
  readonly writeNow: (line: string) => void;
  /** Writes everything held now. */
  readonly flush: () => void;
}

/**
 * A line writer that writes the lines of one turn of the event loop in one write (at the turn's
 * `setImmediate`), instead of one write per line: to a pipe or a file, Node writes standard error
 * synchronously, one system call each. Lines keep their order; what is held also goes out at once
 * past `maxPendingChars`, at `writeNow` and when the process exits (an uncaught error included),
 * so only a process killed outright can lose the lines of its last turn.
 */
export function createBufferedLineWriter(
  sink: LineSink,
  options: BufferedLineWriterOptions = {},
): BufferedLineWriter {
  const maxPendingChars = options.maxPendingChars ?? 64 * 1024;
  let pending = '';
  let scheduled: ReturnType<typeof setImmediate> | undefined;
  const flush = (): void => {
    if (scheduled !== undefined) {
      clearImmediate(scheduled);
      scheduled = undefined;
    }
    if (pending === '') return;
    const text = pending;
    pending = '';
    sink.write(text);
  };
  if (options.flushOnExit !== false) process.once('exit', flush);
  return {
    write(line) {
      pending += `${line}\n`;
      if (pending.length >= maxPendingChars) flush();
      else if (scheduled === undefined) {
        scheduled = setImmediate(flush);
        scheduled.unref();
      }
    },
    writeNow(line) {
      pending += `${line}\n`;
      flush();
    },
    flush,
  };
}
