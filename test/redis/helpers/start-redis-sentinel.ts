import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcess, launchOnFreePorts, spawnRedisServer } from './redis-process.js';
import { startRedisServer } from './start-redis-server.js';

/** A master and one Sentinel monitoring it (as `main`), on 127.0.0.1, for one test file. */
export interface RedisSentinelProcesses {
  /** The master group name. */
  readonly name: string;
  /** `127.0.0.1:<port>` of the sentinel. */
  readonly sentinel: string;
  /** Kills both (SIGKILL) and removes their files. Idempotent. */
  stop(): Promise<void>;
}

/** A sentinel, ready once it logs `+monitor master ...` (it watches the master). */
const launchSentinel = (configFile: string): Promise<ChildProcess> =>
  spawnRedisServer([configFile, '--sentinel'], '+monitor master');

/** Starts a master (`startRedisServer`) and a Sentinel (`redis-server --sentinel`) watching it. */
export async function startRedisSentinel(): Promise<RedisSentinelProcesses> {
  const master = await startRedisServer();
  const directory = await mkdtemp(join(tmpdir(), 'redis-sentinel-'));
  const configFile = join(directory, 'sentinel.conf');
  /** Writes the sentinel's configuration for `port` and starts it. */
  const launchOn = async (port: number): Promise<ChildProcess> => {
    await writeFile(
      configFile,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${directory}`,
        `sentinel monitor main 127.0.0.1 ${master.port} 1`,
        'sentinel down-after-milliseconds main 5000',
        '',
      ].join('\n'),
    );
    return launchSentinel(configFile);
  };
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running !== undefined) await killProcess(running);
    await master.stop();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const started = await launchOnFreePorts(1, ([port]) => launchOn(port ?? 0));
    child = started.launched;
    return { name: 'main', sentinel: `127.0.0.1:${started.ports[0] ?? 0}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
