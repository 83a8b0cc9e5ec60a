import { readdirSync, readFileSync } from 'node:fs';

/** The parent of every process of this machine, from `/proc/<pid>/stat` (processes that ended meanwhile are left out). */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The command name is in parentheses and may hold spaces: the fields after it are fixed.
    parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  return parentOf;
}

/** `root` and every process under it, parents before their children. */
export function processTree(root: number): number[] {
  const parentOf = parents();
  const tree = [root];
  for (let index = 0; index < tree.length; index += 1)
    for (const [pid, parent] of parentOf) if (parent === tree[index]) tree.push(pid);
  return tree;
}

/**
 * The process that serves, under a `serve` started as `root`: since issue 77 the CLI re-executes
 * node with `--no-allocation-site-pretenuring` and waits for its child, so the gateway is the
 * deepest process of the tree running the CLI's script (`agent-gateway.js`); `root` itself for a
 * build that serves in the process it was started in.
 */
export function servingPid(root: number): number {
  let serving = root;
  for (const pid of processTree(root)) {
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (commandLine.includes('agent-gateway.js')) serving = pid;
  }
  return serving;
}

/**
 * CPU of every thread of every process in `root`'s tree, in ms, from the scheduler's nanosecond
 * counts (`schedstat`); a process that ended between two readings is not counted (the gateway's
 * embedded PostgreSQL keeps its connections, so its backends live as long as the bench).
 */
export function treeSchedstatMs(root: number): number {
  let ms = 0;
  for (const pid of processTree(root)) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      try {
        ms += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
      } catch {
        // the thread ended meanwhile
      }
    }
  }
  return ms;
}
