/**
 * The last lines of a stream, for progress reports of background runs. Memory is bounded by
 * `maxLines` lines of at most `maxLineLength` characters each.
 */
export class OutputRingBuffer {
  readonly #lines: string[] = [];
  readonly #maxLines: number;
  readonly #maxLineLength: number;
  #open = '';

  constructor(maxLines: number, maxLineLength = 4096) {
    this.#maxLines = maxLines;
    this.#maxLineLength = maxLineLength;
  }

  /** Adds output; `text` may hold several lines or part of one. */
  push(text: string): void {
    const parts = (this.#open + text).split('\n');
    this.#open = (parts.pop() ?? '').slice(-this.#maxLineLength);
    for (const line of parts) {
      this.#lines.push(line.slice(0, this.#maxLineLength));
      if (this.#lines.length > this.#maxLines) this.#lines.shift();
    }
  }

  /** The last `count` lines (an unterminated last line counts), joined with newlines. */
  tail(count = this.#maxLines): string {
    const lines = this.#open === '' ? this.#lines : [...this.#lines, this.#open];
    return lines.slice(-count).join('\n');
  }
}
