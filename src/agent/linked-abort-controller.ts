/**
 * An AbortController that also aborts when a parent signal does, and that can be detached.
 *
 * `AbortSignal.any()` would link the signals too, but it gives no way to drop the link; runs
 * and tool calls create one of these per attempt, so the listener on the caller's signal must
 * be removed when the child is done (`dispose()`), or long-lived signals accumulate listeners.
 */
export interface LinkedAbortController {
  readonly signal: AbortSignal;
  /** Aborts the child only (the parent is untouched). */
  abort(reason?: unknown): void;
  /** Removes the listener on the parent; idempotent. Does not abort the child. */
  dispose(): void;
}

/**
 * Creates a child controller linked to `parent` (already aborted parent → aborted child).
 * `onParentAbort` runs when the parent aborts, just after the child did (at once when the
 * parent was aborted already; until `dispose()`): the owner hears of it without a listener of
 * its own.
 */
export function createLinkedAbortController(
  parent: AbortSignal | undefined,
  onParentAbort?: () => void,
): LinkedAbortController {
  const controller = new AbortController();
  if (parent === undefined) {
    return { signal: controller.signal, abort: (reason) => controller.abort(reason), dispose: () => {} };
  }
  const forward = (): void => {
    controller.abort(parent.reason);
    onParentAbort?.();
  };
  if (parent.aborted) forward();
  else parent.addEventListener('abort', forward, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => parent.removeEventListener('abort', forward),
  };
}
