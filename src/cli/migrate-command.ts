import { parseArgs } from 'node:util';
import { consoleWarningLogger } from '../core/logger.js';
import { DEFAULT_EMBEDDED_DIR, type DatabaseOption } from '../database/sql/open-thread-store.js';
import { migrateDatabase } from '../database/sql/migrate-database.js';

/** `agent-gateway migrate --help`. */
export const MIGRATE_USAGE = `Usage: agent-gateway migrate [--database-url <url>] [--dir <folder>]

Applies the database migrations this version of the gateway knows and exits: 0 once the
schema is up to date (saying which versions it applied), 1 with the reason when it cannot (the
database is out of reach, or a newer gateway already migrated it). Several instances or jobs
may run it at once: a PostgreSQL advisory lock applies each migration exactly once. There are
no down migrations. Run it before starting instances with serve --no-migrate.

Options:
      --database-url <url>  the PostgreSQL database (default: DATABASE_URL)
      --dir <folder>        without a URL: the embedded database's folder
                            (default ${DEFAULT_EMBEDDED_DIR})
  -h, --help                this text`;

/** Where the migrate command writes (stdout and stderr by default). */
export interface MigrateCommandIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** The environment read for `DATABASE_URL` (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** The database a command line names: `--database-url`, else `DATABASE_URL`, else the embedded folder. */
function databaseOf(
  values: { 'database-url'?: string; dir?: string },
  env: NodeJS.ProcessEnv,
): DatabaseOption {
  const url = (values['database-url'] ?? env['DATABASE_URL'] ?? '').trim();
  if (url !== '') return { postgres: url };
  return { embedded: { dir: values.dir ?? DEFAULT_EMBEDDED_DIR } };
}

/** The parsed command line, or the usage error to print. */
function parseMigrateArgs(
  argv: readonly string[],
): { help: true } | { help: false; values: { 'database-url'?: string; dir?: string } } | { error: string } {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options: {
        'database-url': { type: 'string' },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
    if (values.help === true) return { help: true };
    if (positionals.length > 0) return { error: `unexpected argument: ${positionals[0] ?? ''}` };
    if (values['database-url'] !== undefined && !/^postgres(ql)?:\/\//.test(values['database-url'])) {
      return { error: '--database-url must be a postgres:// or postgresql:// URL' };
    }
    return { help: false, values };
  } catch (error) {
    return {
      error: error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error),
    };
  }
}

/**
 * `agent-gateway migrate`: applies the migrations and resolves the exit code: 0 (up to date),
 * 1 (the reason on standard error: unreachable, `schema_too_new`), 2 (a usage error).
 */
export async function runMigrateCommand(argv: readonly string[], io: MigrateCommandIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => console.log(text));
  const err = io.err ?? ((text: string) => console.error(text));
  const parsed = parseMigrateArgs(argv);
  if ('error' in parsed) {
    err(`agent-gateway migrate: ${parsed.error}\n\n${MIGRATE_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    out(MIGRATE_USAGE);
    return 0;
  }
  try {
    const report = await migrateDatabase(databaseOf(parsed.values, io.env ?? process.env), {
      logger: consoleWarningLogger,
    });
    out(
      report.applied.length === 0
        ? `agent-gateway migrate: ${report.location} is up to date (schema version ${report.version})`
        : `agent-gateway migrate: applied ${report.applied.length} migration(s) to ${report.location} ` +
            `(versions ${report.applied.join(', ')}); schema version ${report.version}`,
    );
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = error instanceof Error ? error.message : String(error);
    err(`agent-gateway migrate: failed${typeof code === 'string' ? ` (${code})` : ''}: ${reason}`);
    return 1;
  }
}
