import { readdir, readFile } from 'node:fs/promises';

/** CPU time of a process tree, split by what runs: PostgreSQL's processes, and all the others. */
export interface SplitTreeCpu {
  /** The root and every descendant that is not a `postgres` process, ms. */
  gatewayMs: number;
  /** The `postgres` processes under the root (the embedded database server), ms. */
  postgresMs: number;
}

const TICK_MS = 10;

interface ProcessStat {
  parent: number;
  command: string;
  cpuMs: number;
}

const statOf = async (pid: number): Promise<ProcessStat | undefined> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
  // The fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
  return { parent: Number(fields[1]), command, cpuMs: ticks * TICK_MS };
};

/**
 * Reads the CPU time of `root` and of the processes under it (Linux `/proc`, 10 ms ticks, each
 * with its reaped children's), split into PostgreSQL's (`postgres`, as the embedded server's
 * processes name themselves) and the rest (the gateway's node processes, the server's guard).
 */
export async function splitTreeCpu(root: number): Promise<SplitTreeCpu> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = new Map<number, ProcessStat>();
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await statOf(pid);
      if (stat !== undefined) stats.set(pid, stat);
    }),
  );
  const inTree = (pid: number): boolean => {
    for (let at: number | undefined = pid; at !== undefined && at > 1; at = stats.get(at)?.parent)
      if (at === root) return true;
    return false;
  };
  const split: SplitTreeCpu = { gatewayMs: 0, postgresMs: 0 };
  for (const [pid, stat] of stats) {
    if (!inTree(pid)) continue;
    if (stat.command === 'postgres') split.postgresMs += stat.cpuMs;
    else split.gatewayMs += stat.cpuMs;
  }
  return split;
}
