/** One server-sent event: its `event:` name (null when absent) and its `data:` lines joined. */
export interface SseMessage {
  event: string | null;
  data: string;
}

/**
 * An incremental decoder of a `text/event-stream` body, with the rules of the official SDKs'
 * decoders: lines end in `\n`, `\r\n` or `\r`; a blank line dispatches the event when it has
 * an `event:` or `data:` field; `data:` lines are joined with `\n`; one space after the colon
 * is dropped; comments (`:`) and other fields are ignored; a byte-order mark at the start of a
 * line is dropped. Text goes in as it arrives (already decoded from UTF-8).
 */
export class SseDecoder {
  /** The unfinished last line of what arrived so far. */
  #rest = '';
  #event: string | null = null;
  /** The `data:` lines so far joined with `\n`; null before the first one. */
  #data: string | null = null;

  /** Decodes `text`; complete events are appended to `out`. */
  push(text: string, out: SseMessage[]): void {
    const buffer = this.#rest === '' ? text : this.#rest + text;
    let start = 0;
    if (!buffer.includes('\r')) {
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n', start)) {
        this.#line(buffer, start, end, out);
        start = end + 1;
      }
    } else {
      for (let index = 0; index < buffer.length; index += 1) {
        const code = buffer.charCodeAt(index);
        if (code !== 0x0a && code !== 0x0d) continue;
        // A trailing CR may be the first half of a CRLF: wait for the next chunk.
        if (code === 0x0d && index + 1 === buffer.length) break;
        this.#line(buffer, start, index, out);
        if (code === 0x0d && buffer.charCodeAt(index + 1) === 0x0a) index += 1;
        start = index + 1;
      }
    }
    this.#rest = start === 0 ? buffer : buffer.slice(start);
  }

  /** Ends the body: a last line without its line ending still counts. */
  end(out: SseMessage[]): void {
    const rest = this.#rest.endsWith('\r') ? this.#rest.slice(0, -1) : this.#rest;
    this.#rest = '';
    // Like the SDKs: the line counts, but without a blank line after it no event is dispatched.
    if (rest !== '') this.push(`${rest}\n`, out);
  }

  /** The line `buffer[start, end)`, read in place: only a field's value is cut out. */
  #line(buffer: string, start: number, end: number, out: SseMessage[]): void {
    if (start < end && buffer.charCodeAt(start) === 0xfeff) start += 1;
    if (start === end) {
      if (this.#event === null && this.#data === null) return;
      out.push({ event: this.#event, data: this.#data ?? '' });
      this.#event = null;
      this.#data = null;
      return;
    }
    const found = buffer.indexOf(':', start);
    const colon = found === -1 || found > end ? end : found;
    const nameLength = colon - start;
    const isData = nameLength === 4 && buffer.startsWith('data', start);
    if (!isData && !(nameLength === 5 && buffer.startsWith('event', start))) return;
    let valueStart = colon === end ? end : colon + 1;
    if (valueStart < end && buffer.charCodeAt(valueStart) === 0x20) valueStart += 1;
    const value = buffer.slice(valueStart, end);
    if (!isData) this.#event = value;
    else this.#data = this.#data === null ? value : `${this.#data}\n${value}`;
  }
}
