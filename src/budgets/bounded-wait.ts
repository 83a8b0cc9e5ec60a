/** What a reserve whose caller stopped waiting rejects with: the signal's reason when an Error. */
export const abortReason = (signal: AbortSignal): Error =>
  signal.reason instanceof Error ? signal.reason : new Error('budget reserve aborted');

/** `work`, or its signal's reason once the signal aborts first (the work is left to finish). */
export const untilAborted = <Value>(work: Promise<Value>, signal: AbortSignal): Promise<Value> =>
  new Promise<Value>((resolve, reject) => {
    const onAbort = (): void => {
      reject(abortReason(signal));
    };
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });

/**
 * `work`, or a rejection once `timeoutMs` pass first (the work is left to finish). A plain timer,
 * not `AbortSignal.timeout`: no store reads the signal, and a timeout signal per reserve cost
 * more than the in-memory reserve of the embedded database.
 */
export const withinTime = <Value>(work: Promise<Value>, timeoutMs: number): Promise<Value> => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`the budget store did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  return Promise.race([work, expired]).finally(() => {
    clearTimeout(timer);
  });
};
