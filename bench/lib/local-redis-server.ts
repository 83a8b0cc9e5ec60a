import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A throwaway `redis-server` on 127.0.0.1 (no persistence) for one benchmark. */
export interface LocalRedisServer {
  url: string;
  process: ChildProcess;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });

/**
 * Starts `redis-server` on a free loopback port. It is not waited for: the Redis stores retry
 * until it accepts connections. Stop it with `process.kill('SIGTERM')`.
 */
export async function startLocalRedisServer(): Promise<LocalRedisServer> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  return { url: `redis://127.0.0.1:${port}`, process: child };
}
