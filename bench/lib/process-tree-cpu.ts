import { readdir, readFile } from 'node:fs/promises';

/** CPU time (user + system) of a process and of the processes under it, in milliseconds. */
export interface TreeCpu {
  rootMs: number;
  descendantsMs: number;
}

const TICK_MS = 10;

const statOf = async (pid: number): Promise<{ parent: number; cpuMs: number } | undefined> => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (stat === undefined) return undefined;
  // The command name is in parentheses and may hold spaces: the fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  const ticks = [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index] ?? 0), 0);
  return { parent: Number(fields[1]), cpuMs: ticks * TICK_MS };
};

/**
 * Reads the CPU time of `root` and of its descendants (Linux `/proc`, 10 ms ticks), each with
 * its reaped children's: a process that exited between two readings is counted in its parent.
 */
export async function treeCpu(root: number): Promise<TreeCpu> {
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = new Map<number, { parent: number; cpuMs: number }>();
  await Promise.all(
    pids.map(async (pid) => {
      const stat = await statOf(pid);
      if (stat !== undefined) stats.set(pid, stat);
    }),
  );
  const isUnder = (pid: number): boolean => {
    for (let at = stats.get(pid)?.parent; at !== undefined && at > 1; at = stats.get(at)?.parent)
      if (at === root) return true;
    return false;
  };
  let descendantsMs = 0;
  for (const [pid, stat] of stats) if (isUnder(pid)) descendantsMs += stat.cpuMs;
  return { rootMs: stats.get(root)?.cpuMs ?? 0, descendantsMs };
}
