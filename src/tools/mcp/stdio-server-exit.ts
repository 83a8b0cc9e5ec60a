import { ChildProcess } from 'node:child_process';
import type { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** How many of a stdio server's last stderr lines a start-up failure quotes. */
const STDERR_TAIL_LINES = 5;
/** Longest stderr line quoted (a server may print a minified stack on one line). */
const STDERR_LINE_CHARS = 300;

/** What a stdio server left behind: its last stderr lines and, once it exited, how. */
export interface StdioServerExit {
  /** Records one stderr line (the caller already forwards them to the log). */
  addStderrLine(line: string): void;
  /**
   * Why the server went away while starting, in one sentence: `its process exited with code 3
   * while starting; its last stderr lines: "…"`. Without an exit, only the stderr lines (or
   * undefined).
   */
  describe(): string | undefined;
}

/**
 * Watches a stdio transport's child process, so that a server that dies during the MCP
 * handshake is reported by its exit code and last words instead of the SDK's
 * `AbortError: This operation was aborted`. The SDK does not expose the child's exit status, so
 * its `start()` is wrapped to keep a reference to the child it spawns; if that internal ever
 * changes, the description falls back to the stderr lines alone.
 */
export function watchStdioServerExit(transport: StdioClientTransport): StdioServerExit {
  const tail: string[] = [];
  let child: ChildProcess | undefined;
  const start = transport.start.bind(transport);
  transport.start = async () => {
    await start();
    const spawned: unknown = Reflect.get(transport, '_process');
    if (spawned instanceof ChildProcess) child = spawned;
  };
  const exitOf = (): string | undefined => {
    if (child === undefined) return undefined;
    if (child.exitCode !== null) return `its process exited with code ${child.exitCode} while starting`;
    if (child.signalCode !== null) return `its process was killed by ${child.signalCode} while starting`;
    return undefined;
  };
  return {
    addStderrLine(line) {
      tail.push(line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)}…` : line);
      if (tail.length > STDERR_TAIL_LINES) tail.shift();
    },
    describe() {
      const stderr =
        tail.length === 0
          ? undefined
          : `its last stderr lines: ${tail.map((line) => JSON.stringify(line)).join(' ')}`;
      const exit = exitOf();
      if (exit === undefined) return stderr;
      return stderr === undefined ? `${exit} (nothing on stderr)` : `${exit}; ${stderr}`;
    },
  };
}
