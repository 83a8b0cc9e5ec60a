import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS } from '../../src/database/sql/migrations.js';
import { createPgliteEngine } from '../../src/database/sql/pglite-engine.js';
import { runMigrations } from '../../src/database/sql/run-migrations.js';
import type { SqlEngine } from '../../src/database/sql/sql-engine.js';

/** The PGlite version installed: a template is made by one version and read by the same. */
const pgliteVersion = (): string =>
  (
    JSON.parse(
      readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8'),
    ) as { version: string }
  ).version;

/** A template: a new database, or one with the gateway's migrations applied. */
type TemplateKind = 'empty' | 'migrated';

/**
 * Where the template of this PGlite version (and, migrated, of these migrations) is kept, for
 * every test file of the machine.
 */
const templateFolder = (kind: TemplateKind): string => {
  const schema =
    kind === 'empty'
      ? 'empty'
      : createHash('sha256').update(JSON.stringify(MIGRATIONS)).digest('hex').slice(0, 16);
  return join(tmpdir(), `agent-gateway-pglite-template-${pgliteVersion()}-${schema}`);
};

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The templates being made by this process, shared by its files (one `initdb` each at most). */
const making = new Map<TemplateKind, Promise<string>>();

/**
 * The folder of a new PGlite database (what `createPgliteEngine` makes in an empty folder, with
 * the migrations applied for `migrated`): made once per machine, PGlite version and schema, then
 * reused. Making one runs PostgreSQL's `initdb` in WebAssembly, which took 23 to 35 s of a
 * loaded machine per test file; copying it takes a fraction of that. Made in a folder of its own and renamed into place, so a file that reads it
 * never sees half of one; two processes that make it at once keep the first and drop the other.
 */
function pgliteTemplate(kind: TemplateKind): Promise<string> {
  const made = making.get(kind);
  if (made !== undefined) return made;
  const promise = (async () => {
    const folder = templateFolder(kind);
    if (await exists(join(folder, 'PG_VERSION'))) return folder;
    const draft = await mkdtemp(`${folder}-draft-`);
    try {
      const engine = await createPgliteEngine(draft);
      try {
        if (kind === 'migrated') await runMigrations(engine);
      } finally {
        await engine.close();
      }
      await rename(draft, folder);
    } catch (error) {
      await rm(draft, { recursive: true, force: true });
      // Another process put its template in place first (the rename failed): that one serves.
      if (!(await exists(join(folder, 'PG_VERSION')))) throw error;
    }
    return folder;
  })();
  making.set(kind, promise);
  promise.catch(() => making.delete(kind));
  return promise;
}

/**
 * A PGlite engine on a new database in `dir` (an empty folder), as `createPgliteEngine(dir)` opens
 * one (`empty`) or as `runMigrations` then leaves it (`migrated`), from a copy of the machine's
 * template instead of an `initdb` of its own.
 */
export async function createPgliteEngineFromTemplate(
  dir: string,
  kind: TemplateKind = 'empty',
): Promise<SqlEngine> {
  await cp(await pgliteTemplate(kind), dir, { recursive: true });
  return createPgliteEngine(dir);
}
