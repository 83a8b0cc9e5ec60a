import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * The soft limit of open files in a `/proc/<pid>/limits` text (`Max open files  1024  4096
 * files`); undefined when it is missing or `unlimited`.
 */
export function parseOpenFileLimit(limitsText: string): number | undefined {
  const match = /^Max open files\s+(\d+)\s/m.exec(limitsText);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/**
 * This process's limit of open file descriptors (RLIMIT_NOFILE, soft): from `/proc/self/limits`
 * on Linux, from `ulimit -n` (a child shell inherits the limit) elsewhere; undefined when
 * neither answers a number. Read from the process itself, not its shell: Node raises the soft
 * limit to the hard one at start-up.
 */
export function readOpenFileLimit(): number | undefined {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    // No procfs (macOS, BSD): ask a shell.
  }
  try {
    const text = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8', timeout: 2_000 }).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The share of the open-file limit that client connections may take: three quarters. The rest
 * stays free for what serving them needs (upstream model connections, Redis, MCP servers'
 * pipes and sockets, code execution, transcripts and logs), so that a full house of clients
 * cannot make the gateway fail its own work.
 */
export function connectionCapOf(openFileLimit: number): number {
  return Math.max(1, Math.floor((openFileLimit * 3) / 4));
}
