import { readdir, readFile } from 'node:fs/promises';

/** Memory of a process and of every process under it (Linux `/proc`), in bytes. */
export interface TreeMemory {
  /** Resident set of the root process alone. */
  rootRss: number;
  /** Proportional set of the descendants (shared pages split among their sharers). */
  descendantsPss: number;
  /** How many descendants. */
  descendants: number;
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

/** Reads the memory of `root` and its descendants. */
export async function treeMemory(root: number): Promise<TreeMemory> {
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
  const descendants = pids.filter(isUnder);
  let descendantsPss = 0;
  for (const pid of descendants) {
    descendantsPss += kilobytes(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''), 'Pss');
  }
  const rootRss = kilobytes(await readFile(`/proc/${root}/status`, 'utf8'), 'VmRSS');
  return { rootRss, descendantsPss, descendants: descendants.length };
}
