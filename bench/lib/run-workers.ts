/** Options of `runWorkers`. */
export interface RunWorkersOptions {
  /** Workers running at once. */
  concurrency: number;
  /** Stop starting new iterations after this many in total… */
  iterations?: number;
  /** …or once this much time has passed (ms), whichever comes first. */
  durationMs?: number;
}

/**
 * Runs `work(worker, iteration)` in `concurrency` loops until the iteration budget or the time
 * budget is spent; resolves when every loop has finished its last iteration. A thrown error
 * stops only that iteration (the work function records its own failures).
 */
export async function runWorkers(
  options: RunWorkersOptions,
  work: (worker: number, iteration: number) => Promise<void>,
): Promise<{ iterations: number; elapsedMs: number }> {
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : started + options.durationMs;
  const limit = options.iterations ?? Number.POSITIVE_INFINITY;
  let next = 0;
  const loop = async (worker: number): Promise<void> => {
    while (next < limit && performance.now() < deadline) {
      const iteration = next++;
      try {
        await work(worker, iteration);
      } catch (error) {
        console.error(`worker ${worker} iteration ${iteration} failed:`, error);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, worker) => loop(worker)));
  return { iterations: next, elapsedMs: performance.now() - started };
}

/** Runs `tasks` with at most `concurrency` at once and returns their results in order. */
export async function mapLimited<Item, Result>(
  items: readonly Item[],
  concurrency: number,
  task: (item: Item, index: number) => Promise<Result>,
): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  const loop = async (): Promise<void> => {
    for (let index = next++; index < items.length; index = next++) {
      results[index] = await task(items[index] as Item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, loop));
  return results;
}
