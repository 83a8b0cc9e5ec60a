import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** An append-only JSON Lines file. */
export interface JsonlLog {
  /** Queues one record (a `ts` field is added); never throws, failures go to `onError`. */
  write(record: Record<string, unknown>): void;
  /** Waits for queued records to reach the file; later writes are dropped. Idempotent. */
  close(): Promise<void>;
}

/**
 * Creates a JSONL log at `path`. Writes are chained, so lines keep the order of the calls even
 * though each append is asynchronous, and a slow disk never blocks the event stream.
 */
export function createJsonlLog(
  path: string,
  onError: (error: unknown) => void = (error) => console.error('log write failed:', error),
): JsonlLog {
  // The directory is created on the first write, so importing a module that creates a log
  // touches no disk.
  let directoryReady: Promise<unknown> | undefined;
  let pending: Promise<void> = Promise.resolve();
  let closed = false;
  return {
    write(record) {
      if (closed) return;
      const line = `${JSON.stringify({ ts: new Date().toISOString(), ...record })}\n`;
      directoryReady ??= mkdir(dirname(path), { recursive: true });
      const ready = directoryReady;
      pending = pending
        .then(() => ready)
        .then(() => appendFile(path, line, 'utf8'))
        .catch(onError);
    },
    close() {
      closed = true;
      return pending;
    },
  };
}
