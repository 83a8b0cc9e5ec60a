import { EventEmitter, getEventListeners } from 'node:events';

/** Live listener counts, split by the kind of target they are attached to. */
export interface ListenerCount {
  /** Listeners on live `EventTarget`s (AbortSignals, mostly). */
  eventTarget: number;
  /** Listeners on live `EventEmitter`s (sockets, streams, servers, process). */
  eventEmitter: number;
  /** Live targets and emitters that hold at least one listener. */
  targetsWithListeners: number;
  /** Listeners by the constructor name of their target (`AbortSignal`, `Socket`, …): where growth is. */
  byKind: Record<string, number>;
}

/** Counts listeners on every live object that ever had one added. */
export interface ListenerCensus {
  count(): ListenerCount;
}

/**
 * Patches `EventTarget#addEventListener` and `EventEmitter#addListener`/`on`/`once`/
 * `prepend*Listener` to remember (weakly) every object that got a listener and which event
 * types. `count()` then sums the listeners still attached to the objects that are alive.
 * Measured after a forced GC, growth of that number across a run is a listener leak; objects
 * that died with their listeners are not counted. Bench-only instrumentation: install it first,
 * before the code under test runs, and never in production.
 */
export function installListenerCensus(): ListenerCensus {
  const targets: Array<WeakRef<EventTarget>> = [];
  const targetTypes = new WeakMap<EventTarget, Set<string>>();
  const emitters: Array<WeakRef<EventEmitter>> = [];
  const seenEmitters = new WeakSet<EventEmitter>();

  // Patching a prototype means keeping its method unbound and applying it with the caller's `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originalAddEventListener = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function addEventListener(
    this: EventTarget,
    ...args: Parameters<EventTarget['addEventListener']>
  ): void {
    let types = targetTypes.get(this);
    if (types === undefined) {
      types = new Set();
      targetTypes.set(this, types);
      targets.push(new WeakRef(this));
    }
    types.add(args[0]);
    originalAddEventListener.apply(this, args);
  };

  const rememberEmitter = (emitter: EventEmitter): void => {
    if (seenEmitters.has(emitter)) return;
    seenEmitters.add(emitter);
    emitters.push(new WeakRef(emitter));
  };
  const prototype = EventEmitter.prototype;
  for (const method of ['addListener', 'on', 'once', 'prependListener', 'prependOnceListener'] as const) {
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = prototype[method];
    prototype[method] = function patched(
      this: EventEmitter,
      ...args: Parameters<EventEmitter['on']>
    ): EventEmitter {
      rememberEmitter(this);
      return original.apply(this, args);
    };
  }

  /** Drops the references whose objects were collected, keeping the arrays small. */
  const prune = <T extends object>(references: Array<WeakRef<T>>): T[] => {
    const alive: T[] = [];
    let write = 0;
    for (const reference of references) {
      const value = reference.deref();
      if (value === undefined) continue;
      alive.push(value);
      references[write++] = reference;
    }
    references.length = write;
    return alive;
  };

  return {
    count() {
      let eventTarget = 0;
      let eventEmitter = 0;
      let targetsWithListeners = 0;
      const byKind: Record<string, number> = {};
      const tally = (holder: object, listeners: number): void => {
        if (listeners === 0) return;
        targetsWithListeners += 1;
        const kind = (holder.constructor as { name?: unknown } | undefined)?.name;
        const name = typeof kind === 'string' && kind !== '' ? kind : 'unknown';
        byKind[name] = (byKind[name] ?? 0) + listeners;
      };
      for (const target of prune(targets)) {
        let listeners = 0;
        for (const type of targetTypes.get(target) ?? []) listeners += getEventListeners(target, type).length;
        eventTarget += listeners;
        tally(target, listeners);
      }
      for (const emitter of prune(emitters)) {
        let listeners = 0;
        for (const name of emitter.eventNames()) listeners += emitter.listenerCount(name);
        eventEmitter += listeners;
        tally(emitter, listeners);
      }
      return { eventTarget, eventEmitter, targetsWithListeners, byKind };
    },
  };
}
