import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../redis/helpers/redis-process.js';

const run = promisify(execFile);

/** Where Debian's `postgresql` package puts the server binaries (the newest version installed). */
const debianBinaries = (): string => {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)) : [];
  const newest = versions.map(Number).sort((a, b) => b - a)[0] ?? 15;
  return join(root, String(newest), 'bin');
};

/** The PostgreSQL server binaries: `POSTGRES_BIN`, or Debian's. */
export const POSTGRES_BIN = process.env.POSTGRES_BIN ?? debianBinaries();

/**
 * Why the PostgreSQL tests cannot run here (they then skip and print it), or undefined. Under
 * CI the binaries are required: the reason is undefined and starting fails loudly instead.
 */
export function postgresUnavailableReason(): string | undefined {
  if (existsSync(join(POSTGRES_BIN, 'postgres')) && existsSync(join(POSTGRES_BIN, 'initdb')))
    return undefined;
  if (process.env.CI === 'true') return undefined;
  return `PostgreSQL is not installed (apt-get install postgresql; looked in ${POSTGRES_BIN}); skipping the PostgreSQL tests`;
}

/** A private PostgreSQL cluster on 127.0.0.1, in a temporary folder. */
export interface PostgresServer {
  readonly port: number;
  /** URL of the `postgres` database (superuser `postgres`, no password). */
  readonly url: string;
  /** Creates a fresh, empty database and resolves its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: open connections are cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

/** Runs a PostgreSQL binary as the `postgres` user when we are root (the server refuses root). */
const asPostgres = async (binary: string, args: readonly string[]): Promise<void> => {
  const path = join(POSTGRES_BIN, binary);
  const [command, commandArgs] =
    userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, [...args]];
  await run(command, commandArgs, { timeout: 60_000 });
};

/**
 * Starts a private cluster: `initdb` into a temp folder (trust auth for local connections;
 * no fsync, test data only, unless `durable`) and `pg_ctl start` listening on a free port on 127.0.0.1, with its
 * socket in the same folder. Call `destroy()` in afterAll.
 */
export async function startPostgresServer(options: { durable?: boolean } = {}): Promise<PostgresServer> {
  const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-pg-'));
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(group.trim()));
  }
  const data = join(dir, 'data');
  const port = await freePort();
  await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${options.durable === true ? '' : ' -c fsync=off'}`;
  const start = (): Promise<void> =>
    asPostgres('pg_ctl', [
      '-D',
      data,
      '-o',
      serverOptions,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '60',
      'start',
    ]);
  const stop = (): Promise<void> => asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  await start();
  let running = true;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let databases = 0;
  return {
    port,
    url,
    async createDatabase() {
      databases += 1;
      const name = `test_${process.pid}_${databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await stop().catch(() => undefined);
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
