import { readdirSync, readFileSync } from 'node:fs';

/** One process of the machine, as /proc shows it (Linux). */
interface ProcessEntry {
  pid: number;
  parentPid: number;
  groupId: number;
  commandLine: string;
}

/** Every process /proc lists now; one that exits while it is read is left out. */
function listProcesses(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The fields after the command's name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      entries.push({
        pid: Number(name),
        parentPid: Number(fields[1]),
        groupId: Number(fields[2]),
        commandLine: readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ').trim(),
      });
    } catch {
      // Gone meanwhile.
    }
  }
  return entries;
}

/**
 * The processes of a PostgreSQL cluster in `clusterFolder`: every process whose command line
 * names the folder (the server and the guard shell around it) and every child of those (the
 * server's own processes, which are named `postgres: checkpointer` and so on).
 */
export function postgresProcessesOf(clusterFolder: string): string[] {
  const all = listProcesses();
  const named = new Set(
    all.filter((entry) => entry.commandLine.includes(clusterFolder)).map((entry) => entry.pid),
  );
  return all
    .filter((entry) => named.has(entry.pid) || named.has(entry.parentPid))
    .map((entry) => `${entry.pid} ${entry.commandLine}`);
}

/** The processes of the process group `groupId` still running (a zombie counts as gone). */
export function processesOfGroup(groupId: number): string[] {
  return listProcesses()
    .filter((entry) => entry.groupId === groupId)
    .filter((entry) => {
      try {
        return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${entry.pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map((entry) => `${entry.pid} ${entry.commandLine}`);
}

/**
 * The process groups of `rootPid` and of every process below it: a child that leads a group of
 * its own (the re-executed `serve`, which runs in its own group) brings its group along.
 */
export function processGroupsUnder(rootPid: number): number[] {
  const all = listProcesses();
  const under = new Set([rootPid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const entry of all) {
      if (under.has(entry.parentPid) && !under.has(entry.pid)) {
        under.add(entry.pid);
        grew = true;
      }
    }
  }
  return [...new Set(all.filter((entry) => under.has(entry.pid)).map((entry) => entry.groupId))];
}
