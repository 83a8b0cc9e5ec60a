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
  #data: string[] = [];

  /** Decodes `text`; complete events are appended to `out`. */
  push(text: string, out: SseMessage[]): void {
    let buffer = this.#rest === '' ? text : this.#rest + text;
    let start = 0;
    if (!buffer.includes('\r')) {
      for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n', start)) {
        this.#line(buffer.slice(start, end), out);
        start = end + 1;
      }
    } else {
      for (let index = 0; index < buffer.length; index += 1) {
        const code = buffer.charCodeAt(index);
        if (code !== 0x0a && code !== 0x0d) continue;
        // A trailing CR may be the first half of a CRLF: wait for the next chunk.
        if (code === 0x0d && index + 1 === buffer.length) break;
        this.#line(buffer.slice(start, index), out);
        if (code === 0x0d && buffer.charCodeAt(index + 1) === 0x0a) index += 1;
        start = index + 1;
      }
    }
    buffer = start === 0 ? buffer : buffer.slice(start);
    this.#rest = buffer;
  }

  /** Ends the body: a last line without its line ending still counts. */
  end(out: SseMessage[]): void {
    const rest = this.#rest.endsWith('\r') ? this.#rest.slice(0, -1) : this.#rest;
    this.#rest = '';
    // Like the SDKs: the line counts, but without a blank line after it no event is dispatched.
    if (rest !== '') this.push(`${rest}\n`, out);
  }

  #line(line: string, out: SseMessage[]): void {
    if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line === '') {
      if (this.#event === null && this.#data.length === 0) return;
      out.push({
        event: this.#event,
        data: this.#data.length === 1 ? (this.#data[0] ?? '') : this.#data.join('\n'),
      });
      this.#event = null;
      this.#data = [];
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return;
    const field = colon === -1 ? line : line.slice(0, colon);
    if (field !== 'event' && field !== 'data') return;
    const value = colon === -1 ? '' : line.slice(line.charCodeAt(colon + 1) === 0x20 ? colon + 2 : colon + 1);
    if (field === 'event') this.#event = value;
    else this.#data.push(value);
  }
}
