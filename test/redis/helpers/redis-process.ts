import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the OS picks it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

/**
 * Launches something on `count` ports the OS reported free (`freePort`). Another test's process
 * may take such a port before `redis-server` binds it: a launch that fails with "Address already
 * in use" is tried again on new ports, five tries in all (CI failed once on that race).
 */
export async function launchOnFreePorts<Launched>(
  count: number,
  launch: (ports: readonly number[]) => Promise<Launched>,
): Promise<{ ports: readonly number[]; launched: Launched }> {
  for (let attempt = 1; ; attempt += 1) {
    const ports: number[] = [];
    for (let index = 0; index < count; index += 1) ports.push(await freePort());
    try {
      return { ports, launched: await launch(ports) };
    } catch (error) {
      if (attempt >= 5 || !String(error).includes('Address already in use')) throw error;
    }
  }
}

/**
 * Spawns `redis-server` with `args` and resolves once its output contains `readyLine`; rejects
 * when it fails to start or exits first (with what it printed).
 */
export const spawnRedisServer = (args: readonly string[], readyLine: string): Promise<ChildProcess> =>
  new Promise((resolve, reject) => {
    const child = spawn('redis-server', [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (output.includes(readyLine)) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`redis-server ${args.join(' ')} exited early (${code}): ${output}`)),
    );
  });

/** Kills a process with SIGKILL and resolves once it exited (at once if it already had). */
export const killProcess = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
