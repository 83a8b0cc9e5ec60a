import { StringDecoder } from 'node:string_decoder';

/** Turns a byte stream into lines. */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Delivers the unterminated rest, if any. Call once, when the stream has ended. */
  end(): void;
}

/**
 * Splits raw output into lines, each delivered with its newline. Bytes are decoded as UTF-8
 * across chunk boundaries, and a line that grows past `maxLineLength` characters without a
 * newline (a progress bar, a binary dump) is delivered in pieces instead of being held back.
 */
export function createLineSplitter(onLine: (line: string) => void, maxLineLength = 4096): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const drain = (): void => {
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      onLine(pending.slice(0, newline + 1));
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
    }
    while (pending.length >= maxLineLength) {
      onLine(pending.slice(0, maxLineLength));
      pending = pending.slice(maxLineLength);
    }
  };
  return {
    push(chunk) {
      pending += decoder.write(chunk);
      drain();
    },
    end() {
      pending += decoder.end();
      drain();
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}
