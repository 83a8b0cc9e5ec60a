import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TABLES_KEPT,
  TABLES_WITH_TEXT,
  TABLES_WITHOUT_TEXT,
} from '../src/database/sql/deleted-text-purge.js';
import type { SqlEngine } from '../src/database/sql/sql-engine.js';
import { createPgliteEngineFromTemplate } from './helpers/pglite-template.js';

const SOURCE = fileURLToPath(new URL('../src/', import.meta.url));

/** The text of every non-test TypeScript file under `dir`. */
async function sourcesUnder(dir: string): Promise<string[]> {
  const texts: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) texts.push(...(await sourcesUnder(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      texts.push(await readFile(path, 'utf8'));
    }
  }
  return texts;
}

// The purge's lists are kept by hand: these checks make a new table, a new delete or a new
// cascade fail here until someone decides whether a purge must rewrite it.
describe("the deleted-text purge's tables", () => {
  let dir = '';
  let engine: SqlEngine;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'agent-gateway-purge-tables-'));
    engine = await createPgliteEngineFromTemplate(dir, 'migrated');
  }, 120_000);
  afterAll(async () => {
    await engine?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('names every table of the schema in exactly one list', async () => {
    const { rows } = await engine.query<{ name: string }>(
      "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    const listed = [...TABLES_WITH_TEXT, ...TABLES_WITHOUT_TEXT, ...TABLES_KEPT];
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(rows.map((row) => row.name));
  });

  it('keeps out of the purge only tables that never lose a row', async () => {
    const { rows } = await engine.query<{ child: string; parent: string }>(
      `SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent
       FROM pg_constraint WHERE contype = 'f' AND confdeltype = 'c'`,
    );
    const kept: readonly string[] = TABLES_KEPT;
    // No cascade deletes from a kept table...
    expect(rows.filter((row) => kept.includes(row.child))).toEqual([]);
    // ...and no statement of the gateway does.
    const deletes = (await sourcesUnder(SOURCE)).flatMap((text) =>
      [...text.matchAll(/\bDELETE\s+FROM\s+([a-z_]+)/gi)].map((match) => match[1] ?? ''),
    );
    expect(deletes.length).toBeGreaterThan(5);
    expect(deletes.filter((table) => kept.includes(table))).toEqual([]);
    // A table with text that a cascade reaches is purged.
    const withText: readonly string[] = TABLES_WITH_TEXT;
    const reached = rows.filter((row) => withText.includes(row.parent)).map((row) => row.child);
    expect(reached.filter((table) => !withText.includes(table))).toEqual(['schedule_fires']);
  });
});
