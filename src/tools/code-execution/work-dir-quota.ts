import { spawn } from 'node:child_process';
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Disk use of a work dir: every entry by path, and the total. */
export interface WorkDirUsage {
  /** Bytes allocated on disk (st_blocks × 512), directories included; sparse files count what they hold. */
  totalBytes: number;
  /** Regular files and links (not directories): path → allocated bytes and identity. */
  files: ReadonlyMap<string, { bytes: number; identity: string }>;
  /** More than `MAX_WORK_DIR_ENTRIES` entries: counted as over any quota. */
  tooManyEntries: boolean;
}

/**
 * Entries a work dir may hold. Measuring is a walk, so a run that creates millions of empty
 * files (bytes the quota would not see, inodes it would) is stopped as over quota instead.
 */
export const MAX_WORK_DIR_ENTRIES = 100_000;

/** How often a running run's work dir is measured. */
export const WORK_DIR_POLL_MS = 250;

/**
 * Measures `dir` without following links (a link counts as itself, never as its target).
 * `except` names one file that is not counted: the script the gateway writes for a run is
 * the gateway's, not the user's, and must fit even in a work dir that is full.
 */
export async function measureWorkDir(dir: string, except?: string): Promise<WorkDirUsage> {
  const files = new Map<string, { bytes: number; identity: string }>();
  let totalBytes = 0;
  let entries = 0;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    let names: string[];
    try {
      names = await readdir(current);
    } catch {
      continue; // removed, or not a directory any more
    }
    for (const name of names) {
      entries += 1;
      if (entries > MAX_WORK_DIR_ENTRIES) return { totalBytes, files, tooManyEntries: true };
      const path = join(current, name);
      if (path === except) continue;
      try {
        const stats = await lstat(path);
        const bytes = stats.blocks * 512;
        totalBytes += bytes;
        if (stats.isDirectory()) pending.push(path);
        else files.set(path, { bytes, identity: `${stats.ino}:${stats.mtimeMs}:${stats.size}` });
      } catch {
        // Removed between readdir and lstat.
      }
    }
  }
  return { totalBytes, files, tooManyEntries: false };
}

/** Whether `usage` is over `quotaBytes`. */
export const isOverQuota = (usage: WorkDirUsage, quotaBytes: number): boolean =>
  usage.tooManyEntries || usage.totalBytes > quotaBytes;

/**
 * Waits until the work dir stops changing (two measurements 100 ms apart agree), at most
 * `maxMs`: a stopped run's processes can land a last write after the backend reported the stop,
 * and an excess removed before it would be left behind for the next run to trip over.
 */
export async function settleWorkDir(dir: string, maxMs = 2_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = await measureWorkDir(dir);
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await measureWorkDir(dir);
    if (now.totalBytes === last.totalBytes && now.files.size === last.files.size) return;
    last = now;
  }
}

/**
 * Removes files written since `before` (new or changed), largest first, until the work dir
 * is back within `quotaBytes`; returns how many files and bytes went.
 *
 * The work dir is writable by the code, so a path under it may cross a link the code planted
 * (`sub -> /etc`). With `removeAs` (the gateway runs as root and the code as that user) the
 * files are removed by `rm` running as that user: a planted link can then never make the
 * gateway delete anything the code could not delete itself. Without it the gateway and the
 * code are the same user anyway.
 */
export async function removeExcess(options: {
  workDir: string;
  before: WorkDirUsage;
  quotaBytes: number;
  removeAs: { uid: number; gid: number } | undefined;
}): Promise<{ files: number; bytes: number }> {
  const now = await measureWorkDir(options.workDir);
  const written = [...now.files]
    .filter(([path, file]) => options.before.files.get(path)?.identity !== file.identity)
    .sort((left, right) => right[1].bytes - left[1].bytes);
  let total = now.totalBytes;
  const chosen: string[] = [];
  let bytes = 0;
  for (const [path, file] of written) {
    if (total <= options.quotaBytes && !now.tooManyEntries) break;
    chosen.push(path);
    total -= file.bytes;
    bytes += file.bytes;
  }
  await removeFiles(chosen, options.removeAs);
  return { files: chosen.length, bytes };
}

const REMOVE_BATCH = 500;

async function removeFiles(paths: readonly string[], user: { uid: number; gid: number } | undefined) {
  if (user === undefined) {
    await Promise.all(paths.map((path) => rm(path, { force: true }).catch(() => undefined)));
    return;
  }
  for (let start = 0; start < paths.length; start += REMOVE_BATCH) {
    const batch = paths.slice(start, start + REMOVE_BATCH);
    await new Promise<void>((resolve) => {
      const remover = spawn('rm', ['-f', '--', ...batch], {
        stdio: 'ignore',
        env: { PATH: '/usr/bin:/bin' },
        cwd: '/',
        uid: user.uid,
        gid: user.gid,
      });
      remover.once('error', () => resolve());
      remover.once('exit', () => resolve());
    });
  }
}

/**
 * Measures `workDir` every `WORK_DIR_POLL_MS` until `signal` aborts and calls `onExceeded`
 * (once) when it is over quota. Measurements never overlap.
 */
export function watchWorkDirQuota(options: {
  workDir: string;
  /** A file not counted (the run's script). */
  except: string;
  quotaBytes: number;
  signal: AbortSignal;
  onExceeded: () => void;
}): void {
  const { signal } = options;
  const tick = (): void => {
    if (signal.aborted) return;
    void measureWorkDir(options.workDir, options.except).then((usage) => {
      if (signal.aborted) return;
      if (isOverQuota(usage, options.quotaBytes)) options.onExceeded();
      else schedule();
    });
  };
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    timer = setTimeout(tick, WORK_DIR_POLL_MS);
  };
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  schedule();
}
