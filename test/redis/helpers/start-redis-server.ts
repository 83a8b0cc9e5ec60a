import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcess, launchOnFreePorts, spawnRedisServer } from './redis-process.js';

/** Options of `startRedisServer`. */
export interface StartRedisServerOptions {
  /**
   * Keep the data across `restart()`: an append-only file in a private temporary directory,
   * synced on every write (`appendfsync always`), so that a SIGKILL loses no acknowledged
   * write — Redis crashing and coming back with its data. Default false: no persistence.
   */
  persistent?: boolean;
}

/** Options of `RedisServerProcess.restart`. */
export interface RestartRedisOptions {
  /**
   * Come back with the data written before the kill (default: true on a persistent server).
   * False wipes the append-only file first; a non-persistent server always comes back empty.
   */
  keepData?: boolean;
}

/** A `redis-server` child process on a free port of 127.0.0.1 (no persistence unless asked for). */
export interface RedisServerProcess {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: an outage, not a shutdown) and removes its data. Idempotent. */
  stop(): Promise<void>;
  /** Kills it (SIGKILL) and starts it again on the same port; see `RestartRedisOptions`. */
  restart(options?: RestartRedisOptions): Promise<void>;
  /** Kills it (SIGKILL: an outage) and leaves it down, keeping a persistent server's data. */
  down(): Promise<void>;
  /** Starts it again on the same port after `down()` (with its data when persistent). */
  up(): Promise<void>;
}

/** Why the Redis suite cannot run here, or undefined when `redis-server` is available. */
export function redisUnavailableReason(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return 'redis-server is not installed (apt-get install redis-server); skipping the Redis suite';
  }
  return undefined;
}

const launch = (port: number, dataDirectory: string | undefined): Promise<ChildProcess> => {
  const persistence =
    dataDirectory === undefined
      ? ['--appendonly', 'no']
      : ['--dir', dataDirectory, '--appendonly', 'yes', '--appendfsync', 'always'];
  return spawnRedisServer(
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence],
    'Ready to accept connections',
  );
};

/** Starts a private `redis-server` for one test file. */
export async function startRedisServer(options: StartRedisServerOptions = {}): Promise<RedisServerProcess> {
  const dataDirectory =
    options.persistent === true ? await mkdtemp(join(tmpdir(), 'redis-test-')) : undefined;
  const first = await launchOnFreePorts(1, ([free]) => launch(free ?? 0, dataDirectory));
  const port = first.ports[0] ?? 0;
  let child: ChildProcess | undefined = first.launched;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      const running = child;
      child = undefined;
      if (running !== undefined) await killProcess(running);
      if (dataDirectory !== undefined) await rm(dataDirectory, { recursive: true, force: true });
    },
    async down() {
      if (child !== undefined) await killProcess(child);
      child = undefined;
    },
    async up() {
      if (child !== undefined) throw new Error('redis-server is already up');
      child = await launch(port, dataDirectory);
    },
    async restart(restartOptions = {}) {
      if (child !== undefined) await killProcess(child);
      child = undefined;
      if (dataDirectory !== undefined && restartOptions.keepData === false) {
        // Redis re-creates the directory's append-only files on startup.
        await rm(join(dataDirectory, 'appendonlydir'), { recursive: true, force: true });
      }
      child = await launch(port, dataDirectory);
    },
  };
}
