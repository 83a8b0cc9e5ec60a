import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import { createPgEngine } from '../pg-engine.js';
import type { SqlEngine } from '../sql-engine.js';
import { SERVER_USER, waitUntilReady } from './postgres-cluster.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { startGuardedServer, type GuardedServer } from './postgres-process.js';
import type { ServerAccount } from './server-account.js';
import { serverSettings } from './server-settings.js';

/** Longest Unix socket path the platforms take (108 bytes on Linux, 104 on macOS, with a NUL). */
const MAX_SOCKET_PATH = 100;

/** Options of `startClusterServer`. */
export interface ClusterServerOptions {
  binaries: PostgresBinaries;
  account: ServerAccount | undefined;
  logger: Logger;
  signal?: AbortSignal | undefined;
  /** Connections of the pool. */
  maxConnections: number;
  /** `synchronous_commit` (see `serverSettings`). */
  synchronousCommit: boolean;
  /** How long the server may take to start (recovery after a crash included). */
  startTimeoutMs: number;
}

/** A server running on a cluster folder, and the pool connected to it over its socket. */
export interface ClusterServer {
  readonly pg: SqlEngine;
  readonly server: GuardedServer;
  /** Closes the pool, stops the server and removes a socket folder of its own. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts the server on the cluster in `cluster` (no other server may run on it), its socket in
 * the cluster folder (or in a private temporary folder when that path is too long for a socket),
 * waits until it accepts connections and connects a pool to it. Rejects, having stopped what it
 * started, when the server exits first, does not get ready in time or `signal` aborts.
 */
export async function startClusterServer(
  cluster: string,
  options: ClusterServerOptions,
): Promise<ClusterServer> {
  let socketTemp: string | undefined;
  let server: GuardedServer | undefined;
  const removeSocketTemp = async (): Promise<void> => {
    if (socketTemp !== undefined) await rm(socketTemp, { recursive: true, force: true });
  };
  try {
    let socketDir = cluster;
    if (`${cluster}/.s.PGSQL.5432`.length > MAX_SOCKET_PATH) {
      socketTemp = await mkdtemp(join(tmpdir(), 'agw-pg-'));
      if (options.account !== undefined) await chown(socketTemp, options.account.uid, options.account.gid);
      socketDir = socketTemp;
    }
    const args = [
      '-D',
      cluster,
      ...serverSettings({ socketDir, synchronousCommit: options.synchronousCommit }),
    ];
    server = startGuardedServer(options.binaries.postgres, args, {
      account: options.account,
      logger: options.logger,
      libraryPath: options.binaries.libraryPath,
      environment: options.binaries.environment,
    });
    const running = server;
    await waitUntilReady(cluster, {
      exited: running.exited,
      timeoutMs: options.startTimeoutMs,
      signal: options.signal,
      recentLog: () => running.recentLog(),
    });
    const url = `postgresql://${SERVER_USER}@/postgres?host=${encodeURIComponent(socketDir)}`;
    const pg = createPgEngine(url, { logger: options.logger, maxConnections: options.maxConnections });
    let closed: Promise<void> | undefined;
    return {
      pg,
      server: running,
      close() {
        closed ??= (async () => {
          try {
            await pg.close();
            await running.stop();
          } finally {
            await removeSocketTemp();
          }
        })();
        return closed;
      },
    };
  } catch (error) {
    await server?.stop();
    await removeSocketTemp();
    throw error;
  }
}
