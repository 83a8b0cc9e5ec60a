import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

const launchSentinel = (configFile: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn('redis-server', [configFile, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      // The sentinel logs `+monitor master ...` once it watches the master.
      if (output.includes('+monitor master')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis sentinel exited early (${code}): ${output}`)));
  });

/** Starts a master (`startRedisServer`) and a Sentinel (`redis-server --sentinel`) watching it. */
export async function startRedisSentinel(): Promise<RedisSentinelProcesses> {
  const master = await startRedisServer();
  const directory = await mkdtemp(join(tmpdir(), 'redis-sentinel-'));
  const port = await freePort();
  const configFile = join(directory, 'sentinel.conf');
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
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running !== undefined && running.exitCode === null && running.signalCode === null) {
      await new Promise<void>((resolve) => {
        running.once('exit', () => resolve());
        running.kill('SIGKILL');
      });
    }
    await master.stop();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    child = await launchSentinel(configFile);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: 'main', sentinel: `127.0.0.1:${port}`, stop };
}
