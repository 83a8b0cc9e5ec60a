import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const floodFixture = fileURLToPath(new URL('../fixtures/slow-socket-flood.ts', import.meta.url));

/** Options of `startSlowSocketFlood`. */
export interface SlowSocketFloodOptions {
  host: string;
  port: number;
  /** The source address of every socket of the flood. */
  localAddress: string;
  /** How many sockets the flood keeps open (or trying to open) at any time. */
  sockets: number;
  /** What each socket sends once connected, in turn: it then sends nothing more. */
  openings: readonly string[];
}

/** A running flood of slow sockets from one address. */
export interface SlowSocketFlood {
  /** Connections opened so far (each closed one is replaced by a new one). */
  opened(): number;
  /** Sockets connected and not closed yet. */
  connected(): number;
  /** Destroys every socket and opens no more; idempotent. */
  stop(): void;
}

/**
 * Keeps `sockets` connections from `localAddress` to `host:port`, each of which sends one of
 * `openings` (partial headers, headers and the start of a body, or nothing) and then stalls;
 * every connection that closes, fails or is refused is replaced at once by a new one.
 */
export function startSlowSocketFlood(options: SlowSocketFloodOptions): SlowSocketFlood {
  const live = new Set<Socket>();
  let opened = 0;
  let connected = 0;
  let stopped = false;
  const open = (): void => {
    if (stopped) return;
    const opening = options.openings[opened % options.openings.length] ?? '';
    opened += 1;
    const socket = connect({ host: options.host, port: options.port, localAddress: options.localAddress });
    let isConnected = false;
    live.add(socket);
    socket.once('connect', () => {
      isConnected = true;
      connected += 1;
      if (opening !== '') socket.write(opening);
    });
    // Answers are read and dropped, so that a close is noticed and the socket replaced.
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.once('close', () => {
      live.delete(socket);
      if (isConnected) connected -= 1;
      // Replaced on the next turn of the loop, so that a refusing server is not spun on.
      setImmediate(open);
    });
  };
  for (let index = 0; index < options.sockets; index += 1) open();
  return {
    opened: () => opened,
    connected: () => connected,
    stop() {
      stopped = true;
      for (const socket of live) socket.destroy();
      live.clear();
    },
  };
}

/** A flood running in a child process (`spawnSlowSocketFlood`). */
export interface SlowSocketFloodProcess {
  /** Connections opened so far, as last reported (each closed one is replaced). */
  opened(): number;
  /** Sockets connected and not closed yet, as last reported. */
  connected(): number;
  /** Ends the flood and its process; idempotent. */
  stop(): Promise<void>;
}

/**
 * Runs `startSlowSocketFlood(options)` in a child process (`fixtures/slow-socket-flood.ts`),
 * as an attacker would from another machine: the flood's own work does not slow the test
 * process's clients down.
 */
export async function spawnSlowSocketFlood(options: SlowSocketFloodOptions): Promise<SlowSocketFloodProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', floodFixture], {
    cwd: repositoryRoot,
    env: { ...process.env, FLOOD_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let last = { opened: 0, connected: 0 };
  createInterface({ input: child.stdout }).on('line', (line) => {
    last = JSON.parse(line) as typeof last;
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  let stopping: Promise<void> | undefined;
  return {
    opened: () => last.opened,
    connected: () => last.connected,
    stop() {
      stopping ??= (async () => {
        child.stdin.end();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}
