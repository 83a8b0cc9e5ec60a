import { readdir, readFile } from 'node:fs/promises';

/** Memory of a process and of every process under it (Linux `/proc`), in bytes. */
export interface TreeMemory {
  /** Resident set of the root process alone. */
  rootRss: number;
  /** Proportional set of the descendants (shared pages split among their sharers). */
  descendantsPss: number;
  /** How many descendants. */
  descendants: number;
  /** The part of `descendantsPss` that is PostgreSQL's (processes named `postgres`). */
  postgresPss: number;
}

const parentOf = async (pid: number): Promise<number | undefined> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name is in parentheses and may hold spaces: the fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[1]);
};

const kilobytes = (text: string, field: string): number =>
  Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;

/** The processes under `root` (not `root` itself), from `/proc`. */
async function descendantsOf(root: number): Promise<number[]> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const parents = new Map<number, number>();
  await Promise.all(
    pids.map(async (pid) => {
      const parent = await parentOf(pid);
      if (parent !== undefined) parents.set(pid, parent);
    }),
  );
  const isUnder = (pid: number): boolean => {
    for (let at = parents.get(pid); at !== undefined && at > 1; at = parents.get(at))
      if (at === root) return true;
    return false;
  };
  return pids.filter(isUnder);
}

/** The memory of `root` and of `descendants` (those that ended meanwhile count nothing). */
async function memoryOf(root: number, descendants: readonly number[]): Promise<TreeMemory> {
  let descendantsPss = 0;
  let postgresPss = 0;
  for (const pid of descendants) {
    const pss = kilobytes(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''), 'Pss');
    descendantsPss += pss;
    const name = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (name.trim() === 'postgres') postgresPss += pss;
  }
  const rootRss = kilobytes(await readFile(`/proc/${root}/status`, 'utf8'), 'VmRSS');
  return { rootRss, descendantsPss, descendants: descendants.length, postgresPss };
}

/** Reads the memory of `root` and its descendants. */
export async function treeMemory(root: number): Promise<TreeMemory> {
  return memoryOf(root, await descendantsOf(root));
}

/** What `sampleTreeMemory` read: one reading per tick, in bytes. */
export interface TreeMemorySamples {
  /** The root's RSS plus its descendants' PSS, each reading. */
  totals: number[];
  /** PostgreSQL's part of each reading. */
  postgres: number[];
}

/**
 * Reads `root`'s tree memory (as `treeMemory`, over the processes under it when it starts) now
 * and every `everyMs` until `stop`, which
 * resolves every reading. A process's memory moves by tens of MiB with its heap's state between
 * two collections: one reading after a slice is a draw from that swing; the median of many,
 * taken while the slice runs, is the tree's memory under that load.
 */
export function sampleTreeMemory(root: number, everyMs: number): { stop(): Promise<TreeMemorySamples> } {
  const samples: TreeMemorySamples = { totals: [], postgres: [] };
  // The tree is walked once (all of /proc): each reading then opens only its processes' files.
  const tree = descendantsOf(root);
  let reading: Promise<void> = Promise.resolve();
  const read = (): void => {
    reading = reading.then(async () => {
      const memory = await memoryOf(root, await tree).catch(() => undefined);
      if (memory === undefined) return;
      samples.totals.push(memory.rootRss + memory.descendantsPss);
      samples.postgres.push(memory.postgresPss);
    });
  };
  read();
  const timer = setInterval(read, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      read();
      await reading;
      return samples;
    },
  };
}
