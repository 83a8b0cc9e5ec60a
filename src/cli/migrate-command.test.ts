import { describe, expect, it } from 'vitest';
import { MIGRATE_USAGE, runMigrateCommand } from './migrate-command.js';

/** Runs the command with `argv`, collecting what it writes. */
async function migrateWith(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runMigrateCommand(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: {},
  });
  return { code, out, err };
}

describe('agent-gateway migrate (command line)', () => {
  it('prints its usage for --help and exits 0', async () => {
    expect(await migrateWith(['--help'])).toEqual({ code: 0, out: [MIGRATE_USAGE], err: [] });
  });

  it('refuses a URL that is not PostgreSQL, an unknown option and an extra argument with exit code 2', async () => {
    const notPostgres = await migrateWith(['--database-url', 'mysql://db/app']);
    expect(notPostgres.code).toBe(2);
    expect(notPostgres.err[0]).toContain('--database-url must be a postgres:// or postgresql:// URL');
    expect((await migrateWith(['--force'])).code).toBe(2);
    const extra = await migrateWith(['now']);
    expect(extra.code).toBe(2);
    expect(extra.err[0]).toContain('unexpected argument: now');
  });
});
