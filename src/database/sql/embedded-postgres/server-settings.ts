/** Options of `serverSettings`. */
export interface ServerSettingsOptions {
  /** The folder of the server's only socket. */
  socketDir: string;
  /**
   * Whether a commit waits for its write-ahead log to reach the disk (`synchronous_commit`).
   * Off, a commit is acknowledged once the server holds it, and the log is flushed within
   * `WAL_WRITER_DELAY_MS` (three of them at worst).
   */
  synchronousCommit: boolean;
}

/**
 * How often the server's WAL writer flushes the log when commits do not wait for it:
 * PostgreSQL's default. Every 10 ms it flushed up to 100 times a second under load, which cost
 * the server's second process 41 µs of CPU per chat (4 µs at 200 ms).
 */
export const WAL_WRITER_DELAY_MS = 200;

/**
 * The settings the gateway's server runs with, as `postgres -c` arguments (given at every start,
 * so a new release's settings apply to an existing cluster without editing its files):
 * - no TCP at all: one Unix socket in a folder of the server's account, 0700, so only that
 *   account (and root) can connect; trust authentication is then safe;
 * - small: few connections, little shared memory, no parallel or I/O worker processes, no
 *   replication. 8 MB of shared buffers: under the verdict bench's load the server's memory
 *   (PSS) grew from 37 to 53 MiB in three minutes with 32 MB, as its run records filled the
 *   pool, and stayed at 31-35 MiB with 16 MB; with 8 MB it was 23-26 MiB against 30-32 for 16 MB
 *   in the same runs, its CPU per chat the same (docs/PERFORMANCE.md, "A smaller shared buffer
 *   pool again"). What a gateway's server touches most is the right edge of its tables and
 *   indexes; the system's page cache keeps what the pool lets go, a read away;
 * - deleted text leaves the files: old log segments are deleted, not recycled with their bytes.
 */
export function serverSettings(options: ServerSettingsOptions): string[] {
  const settings: Record<string, string> = {
    listen_addresses: '',
    unix_socket_directories: options.socketDir,
    unix_socket_permissions: '0700',
    port: '5432',
    max_connections: '20',
    superuser_reserved_connections: '2',
    shared_buffers: '8MB',
    max_worker_processes: '2',
    max_parallel_workers: '0',
    max_parallel_workers_per_gather: '0',
    io_method: 'sync',
    wal_level: 'minimal',
    max_wal_senders: '0',
    max_replication_slots: '0',
    wal_recycle: 'off',
    synchronous_commit: options.synchronousCommit ? 'on' : 'off',
    wal_writer_delay: `${WAL_WRITER_DELAY_MS}ms`,
    jit: 'off',
    huge_pages: 'off',
    log_checkpoints: 'off',
    lc_messages: 'C',
  };
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}
