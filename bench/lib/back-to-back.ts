import { performance } from 'node:perf_hooks';

/**
 * Runs `total` calls of `chat` from `clients` clients at once, each starting its next call as its
 * previous one ends; resolves the calls per second.
 */
export async function backToBack(
  clients: number,
  total: number,
  chat: (client: number) => Promise<unknown>,
): Promise<number> {
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (done < total) {
        done += 1;
        await chat(client);
      }
    }),
  );
  return total / ((performance.now() - started) / 1000);
}
