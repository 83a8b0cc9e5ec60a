import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where `threadCpu` reads a thread's CPU: `schedstat`, the scheduler's own nanosecond count
 * (`/proc/<pid>/task/<tid>/schedstat`); `stat`, user + system time in 10 ms ticks
 * (`/proc/<pid>/task/<tid>/stat`).
 */
export type ThreadCpuSource = 'schedstat' | 'stat';

/** One thread's CPU in ms from the text of its `source` file. */
function threadMs(text: string, source: ThreadCpuSource): number {
  if (source === 'schedstat') return Number(text.split(' ')[0]) / 1e6;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU of a process's main thread and of its other threads, in ms, read from `source`. */
export function threadCpu(pid: number, source: ThreadCpuSource): { mainMs: number; otherMs: number } {
  let mainMs = 0;
  let otherMs = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/${source}`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const ms = threadMs(text, source);
    if (tid === String(pid)) mainMs += ms;
    else otherMs += ms;
  }
  return { mainMs, otherMs };
}
