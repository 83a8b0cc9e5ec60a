/**
 * Runs `work` for every lane `slices` times, the order reversed every other slice (ABBA…), so
 * that the machine's drift reaches every lane alike.
 */
export async function interleaved<Lane extends string, Result>(
  order: readonly Lane[],
  slices: number,
  work: (lane: Lane) => Promise<Result>,
): Promise<Map<Lane, Result[]>> {
  const results = new Map<Lane, Result[]>(order.map((lane) => [lane, []]));
  for (let slice = 0; slice < slices; slice += 1)
    for (const lane of slice % 2 === 0 ? order : [...order].reverse())
      results.get(lane)?.push(await work(lane));
  return results;
}
