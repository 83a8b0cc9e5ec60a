import type { IncomingMessage } from 'node:http';
import type { BodySink, ResponseBody } from './response-body.js';
import { bodyCutError } from './transport-errors.js';

/**
 * A Node `IncomingMessage` as a `ResponseBody` (the SDK path's answers): decoded as UTF-8,
 * `end` once complete, one `error` for a failure or a close before the end.
 */
export class IncomingMessageBody implements ResponseBody {
  readonly #message: IncomingMessage;
  #sink: BodySink | undefined;
  #settled = false;

  constructor(message: IncomingMessage) {
    this.#message = message;
  }

  get statusCode(): number {
    return this.#message.statusCode ?? 0;
  }

  get statusMessage(): string {
    return this.#message.statusMessage ?? '';
  }

  get rawHeaders(): readonly string[] {
    return this.#message.rawHeaders;
  }

  read(sink: BodySink): void {
    this.#sink = sink;
    const message = this.#message;
    message.setEncoding('utf8');
    message.on('data', this.#onData);
    message.on('end', this.#onEnd);
    message.on('error', this.#onError);
    message.on('close', this.#onClose);
  }

  pause(): void {
    this.#message.pause();
  }

  resume(): void {
    this.#message.resume();
  }

  isPaused(): boolean {
    return this.#message.isPaused();
  }

  destroy(): void {
    if (this.#settled) return;
    this.#detach();
    this.#message.destroy();
  }

  #detach(): void {
    this.#settled = true;
    this.#sink = undefined;
    this.#message.off('data', this.#onData);
    this.#message.off('end', this.#onEnd);
    this.#message.off('error', this.#onError);
    this.#message.off('close', this.#onClose);
  }

  readonly #onData = (chunk: string): void => {
    this.#sink?.data(chunk);
  };

  readonly #onEnd = (): void => {
    const sink = this.#sink;
    this.#detach();
    sink?.end();
  };

  readonly #onError = (error: Error): void => {
    const sink = this.#sink;
    this.#detach();
    sink?.error(error);
  };

  readonly #onClose = (): void => {
    // A close after `end` found the listeners gone: this is a body cut before its end.
    this.#onError(bodyCutError());
  };
}
