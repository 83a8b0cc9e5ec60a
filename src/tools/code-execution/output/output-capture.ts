/** Keeps the beginning of one output stream, up to a byte budget. */
export interface OutputCapture {
  append(chunk: Buffer): void;
  /** The kept bytes as text (a character cut at the budget is dropped). */
  text(): string;
  /** Whether more output arrived than was kept. */
  readonly overflowed: boolean;
}

/**
 * Captures at most `maxBytes` of a stream and only counts the rest, so an output flood costs
 * bounded memory however long it runs.
 */
export function createOutputCapture(maxBytes: number): OutputCapture {
  const chunks: Buffer[] = [];
  let kept = 0;
  let overflowed = false;
  return {
    append(chunk) {
      const room = maxBytes - kept;
      if (chunk.length > room) overflowed = true;
      if (room <= 0) return;
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(Buffer.from(part));
      kept += part.length;
    },
    text() {
      const decoder = new TextDecoder('utf-8');
      // stream: true holds back an incomplete trailing character instead of emitting U+FFFD.
      return decoder.decode(Buffer.concat(chunks), { stream: true });
    },
    get overflowed() {
      return overflowed;
    },
  };
}
