import { readdir, readFile } from 'node:fs/promises';

/** How often `freezeProcessTree` re-reads /proc before it gives up on a tree that keeps growing. */
const MAX_FREEZE_PASSES = 64;

/**
 * Parent of every live process, read from /proc/<pid>/stat. Zombies are left out: they can no
 * longer run, their children are already reparented, and a zombie namespace init means the
 * kernel has already killed the rest of its namespace.
 */
async function readParents(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  const entries = await readdir('/proc');
  await Promise.all(
    entries.map(async (entry) => {
      if (!/^\d+$/.test(entry)) return;
      try {
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so parse after the last ')'.
        const [state, parentField] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const parent = Number(parentField);
        if (state !== 'Z' && state !== 'X' && Number.isInteger(parent)) parents.set(Number(entry), parent);
      } catch {
        // The process ended while we looked.
      }
    }),
  );
  return parents;
}

/** Every descendant of `root` in `parents`, parents before their children. */
function descendantsOf(parents: Map<number, number>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, parent] of parents) {
    const siblings = children.get(parent);
    if (siblings === undefined) children.set(parent, [pid]);
    else siblings.push(pid);
  }
  const found: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** Sends `signal` to `pid`; false when the process is already gone. */
export function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // ESRCH: already gone
  }
}

/** The descendants of `root` as they are now (none when /proc cannot be read). */
export async function listDescendants(root: number): Promise<number[]> {
  try {
    return descendantsOf(await readParents(), root);
  } catch {
    return [];
  }
}

/**
 * Stops `root` and every descendant with SIGSTOP, re-reading /proc until a pass finds no new
 * process, and returns them all (root first). A stopped process can neither fork nor exit,
 * so once a pass finds nothing new the tree is complete and stays put for the SIGKILL that
 * follows; Linux also aborts a fork that a signal interrupts, so a child cannot slip out
 * between two passes. `root` must still be a child of ours (not yet reaped), or its pid may
 * name another process.
 */
export async function freezeProcessTree(root: number): Promise<number[]> {
  const frozen = new Set<number>([root]);
  sendSignal(root, 'SIGSTOP');
  for (let pass = 0; pass < MAX_FREEZE_PASSES; pass += 1) {
    let added = false;
    for (const pid of await listDescendants(root)) {
      if (frozen.has(pid)) continue;
      frozen.add(pid);
      added = true;
      sendSignal(pid, 'SIGSTOP');
    }
    if (!added) break;
  }
  return [...frozen];
}

/**
 * Kills `root` and everything below it: freeze the tree (see `freezeProcessTree`), then
 * SIGKILL every member. Killing a PID namespace's init this way also makes the kernel kill
 * every other process of that namespace, wherever it sits in the tree.
 */
export async function killProcessTree(root: number): Promise<void> {
  const members = await freezeProcessTree(root);
  // Children first: the root stays alive (stopped) until its descendants are gone.
  for (const pid of members.reverse()) sendSignal(pid, 'SIGKILL');
}

/**
 * Whether `pid` is the init (pid 1) of a PID namespace that does not catch `SIGTERM`. The
 * kernel drops such a signal for a namespace init (its default action does not apply there),
 * so it would keep running through the whole grace period; its default action being to
 * terminate, the caller may send SIGKILL straight away instead.
 */
export async function isInitIgnoringTerm(pid: number): Promise<boolean> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const namespacePids = /^NSpid:\s*(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
    if (namespacePids.length < 2 || namespacePids.at(-1) !== '1') return false;
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (caught === undefined) return false;
    const sigtermBit = 1n << 14n; // signal 15 is bit 14
    return (BigInt(`0x${caught}`) & sigtermBit) === 0n;
  } catch {
    return false;
  }
}
