import { open, type FileHandle } from 'node:fs/promises';

/** Appends a background run's raw output to a file, up to a size limit. */
export interface TaskLogFile {
  write(chunk: Buffer): void;
  /** Flushes pending writes and closes the file; idempotent. */
  close(): Promise<void>;
}

/** Largest log file of one stream of a background run. */
export const MAX_TASK_LOG_BYTES = 10 * 1024 * 1024;

/**
 * Opens `path` for a background run's log. The file is created exclusively ('wx'): the work
 * dir is writable by the code, so a pre-planted file or link under this name is refused rather
 * than written through. Writes are chained so they land in order; write failures end logging
 * quietly (the log is a convenience, the result still holds the output).
 */
export async function openTaskLogFile(path: string, maxBytes = MAX_TASK_LOG_BYTES): Promise<TaskLogFile> {
  const handle: FileHandle = await open(path, 'wx', 0o644);
  let written = 0;
  let failed = false;
  let chain: Promise<void> = Promise.resolve();
  let closing: Promise<void> | undefined;
  return {
    write(chunk) {
      if (failed || closing !== undefined || written >= maxBytes) return;
      const part = chunk.subarray(0, maxBytes - written);
      written += part.length;
      chain = chain.then(async () => {
        if (failed) return;
        try {
          await handle.write(part);
        } catch {
          failed = true;
        }
      });
    },
    close() {
      closing ??= chain.then(() => handle.close()).catch(() => undefined);
      return closing;
    },
  };
}
