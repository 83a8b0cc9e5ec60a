/** A signal that aborts when any parent does or when its deadline passes; `dispose()` unlinks it. */
export interface DeadlineSignal {
  readonly signal: AbortSignal;
  /** Whether the deadline (not a parent) aborted the signal. */
  readonly expired: boolean;
  /** Clears the timer and removes the listeners on the parents; idempotent. */
  dispose(): void;
}

/**
 * Creates a child signal of `parents`, aborted after `timeoutMs` when one is given. Unlike
 * `AbortSignal.any()` / `AbortSignal.timeout()`, the link and the timer are removed on
 * `dispose()`, so a long-lived parent does not collect listeners and a finished operation
 * leaves no timer behind.
 */
export function createDeadlineSignal(
  parents: ReadonlyArray<AbortSignal | undefined>,
  timeoutMs?: number,
): DeadlineSignal {
  const controller = new AbortController();
  let expired = false;
  let timer: NodeJS.Timeout | undefined;
  const linked: AbortSignal[] = [];
  const dispose = (): void => {
    clearTimeout(timer);
    for (const parent of linked) parent.removeEventListener('abort', onParentAbort);
    linked.length = 0;
  };
  function onParentAbort(this: AbortSignal): void {
    controller.abort(this.reason);
    dispose();
  }
  for (const parent of parents) {
    if (parent === undefined) continue;
    if (parent.aborted) {
      controller.abort(parent.reason);
      break;
    }
    parent.addEventListener('abort', onParentAbort, { once: true });
    linked.push(parent);
  }
  if (controller.signal.aborted) dispose();
  else if (timeoutMs !== undefined) {
    timer = setTimeout(() => {
      expired = true;
      controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
      dispose();
    }, timeoutMs);
  }
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose,
  };
}
