import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killProcess, launchOnFreePorts, spawnRedisServer } from './redis-process.js';

const run = promisify(execFile);

/** A Redis Cluster of three masters (no replicas) on 127.0.0.1, for one test file. */
export interface RedisClusterProcesses {
  /** `redis://127.0.0.1:<port>` of each master. */
  readonly urls: readonly string[];
  /** Kills every node (SIGKILL) and removes their directories. Idempotent. */
  stop(): Promise<void>;
}

const launchNode = (port: number, busPort: number, directory: string): Promise<ChildProcess> =>
  spawnRedisServer(
    [
      '--port',
      String(port),
      '--cluster-port',
      String(busPort),
      '--bind',
      '127.0.0.1',
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      join(directory, 'nodes.conf'),
      '--dir',
      directory,
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    'Ready to accept connections',
  );

/** Until every node reports `cluster_state:ok` (the slots are assigned and agreed on). */
const waitUntilOk = async (ports: readonly number[]): Promise<void> => {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const states = await Promise.all(
      ports.map(async (port) => {
        const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      }),
    );
    if (states.every(Boolean)) return;
    if (performance.now() > deadline) throw new Error('the Redis cluster did not reach cluster_state:ok');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

/**
 * Starts three `redis-server --cluster-enabled yes` nodes in temporary directories and joins
 * them with `redis-cli --cluster create` (three masters, no replicas): a real Redis Cluster
 * whose hash slots are spread over three processes.
 */
export async function startRedisCluster(): Promise<RedisClusterProcesses> {
  const directory = await mkdtemp(join(tmpdir(), 'redis-cluster-'));
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(children.splice(0).map(killProcess));
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      // A directory per try: a node that failed to bind may have written its nodes.conf.
      const started = await launchOnFreePorts(2, async ([port, busPort]) =>
        launchNode(port ?? 0, busPort ?? 0, await mkdtemp(join(directory, `node-${index}-`))),
      );
      children.push(started.launched);
      ports.push(started.ports[0] ?? 0);
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitUntilOk(ports);
    return { urls: ports.map((port) => `redis://127.0.0.1:${port}`), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
