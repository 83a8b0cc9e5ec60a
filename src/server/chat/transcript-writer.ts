import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** Appends JSONL transcript lines for one session; write failures are ignored by design. */
export interface TranscriptWriter {
  write(entry: Record<string, unknown>): void;
  /** Flushes and closes the file; idempotent. */
  close(): Promise<void>;
}

/**
 * Opens `<directory>/<sessionId>.jsonl` for appending. Each line is the entry plus `ts` (unix
 * seconds with millisecond precision). Lines are written in order through one stream, so a
 * transcript never interleaves. A transcript must never break a chat: errors are swallowed.
 */
export function openTranscript(
  directory: string,
  sessionId: string,
  now: () => number = Date.now,
): TranscriptWriter {
  let stream: WriteStream | undefined;
  try {
    mkdirSync(directory, { recursive: true });
    stream = createWriteStream(join(directory, `${sessionId}.jsonl`), { flags: 'a' });
    stream.on('error', () => {
      stream = undefined;
    });
  } catch {
    stream = undefined;
  }
  let closing: Promise<void> | undefined;
  return {
    write(entry) {
      if (stream === undefined || closing !== undefined) return;
      try {
        stream.write(`${JSON.stringify({ ...entry, ts: now() / 1000 })}\n`);
      } catch {
        // Unserialisable entries are skipped; the live stream reports them as stream_error.
      }
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (stream === undefined) return resolve();
        stream.end(() => resolve());
      });
      return closing;
    },
  };
}
