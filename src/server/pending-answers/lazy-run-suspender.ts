import type { GatewayEvent } from '../../core/events.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { RunSuspender } from './run-suspender.js';
import { questionOf } from './waited-calls.js';

/**
 * A run suspender made only once the run asks a person something (an event announces a
 * question, or a call starts waiting for its answer): most runs never do, and a suspender's
 * state (its maps, timers and closures) was a kilobyte and a half of garbage per chat. Until
 * then it keeps only the run's latest checkpoint, which it hands to the suspender it makes. A
 * run that never asked has nothing to suspend (`suspendNow` answers false) or release.
 * `make(input)` makes the suspender; taking its input rather than a closure, and being a class,
 * the lazy suspender of a run that never asks is one small object.
 */
export function createLazyRunSuspender<T>(make: (input: T) => RunSuspender, input: T): RunSuspender {
  return new LazyRunSuspender(make, input);
}

class LazyRunSuspender<T> implements RunSuspender {
  readonly #make: (input: T) => RunSuspender;
  readonly #input: T;
  #made: RunSuspender | undefined;
  #latest: RunCheckpoint | undefined;
  #stopped = false;

  constructor(make: (input: T) => RunSuspender, input: T) {
    this.#make = make;
    this.#input = input;
  }

  observe(event: GatewayEvent): void {
    if (this.#made !== undefined || questionOf(event) !== undefined) this.#suspender().observe(event);
  }

  checkpoint(checkpoint: RunCheckpoint): void {
    if (this.#made === undefined) this.#latest = checkpoint;
    else this.#made.checkpoint(checkpoint);
  }

  waiting(toolCallId: string): (answer: JsonValue | undefined) => void {
    return this.#suspender().waiting(toolCallId);
  }

  suspendNow(): Promise<boolean> {
    return this.#made?.suspendNow() ?? Promise.resolve(false);
  }

  stop(): void {
    this.#stopped = true;
    this.#made?.stop();
  }

  released(): Promise<boolean> | false {
    return this.#made?.released() ?? false;
  }

  #suspender(): RunSuspender {
    if (this.#made === undefined) {
      const made = this.#make(this.#input);
      this.#made = made;
      if (this.#latest !== undefined) made.checkpoint(this.#latest);
      this.#latest = undefined;
      if (this.#stopped) made.stop();
    }
    return this.#made;
  }
}
