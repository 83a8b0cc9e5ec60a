/**
 * Whether `settled` resolves within `ms` (a promise that never rejects, such as
 * `GatewayDatabase.settled`). The timer is cleared either way.
 */
export async function settledWithin(settled: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([settled.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
