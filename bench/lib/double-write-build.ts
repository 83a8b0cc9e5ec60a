import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const RECORDS_FILE = join('dist', 'database', 'sql', 'sql-run-records.js');
/** Where the built run records enqueue a run's end (and its messages) on the write batch. */
const ANCHOR = 'const enqueued = batch.enqueue({';

/** A copy of the built package that writes every run's record twice (`makeDoubleWriteCopy`). */
export interface DoubleWriteCopy {
  /** The copy's folder (`bin/`, `dist/`, `package.json`, a link to `node_modules`). */
  root: string;
  remove(): Promise<void>;
}

/**
 * Copies this checkout's build into a temporary folder and patches its run records so that,
 * once a run's end is committed (through the write batch, as shipped), the record is written a
 * second time by a statement of its own: one more round trip and one more commit per chat, the
 * kind of write a feature adds without noticing. The CI guard must fail on this copy; nothing in
 * the checkout changes, and no environment variable switches it. Throws when the build no longer
 * has the line the patch hooks onto (so the experiment cannot silently test an unpatched copy).
 */
export async function makeDoubleWriteCopy(): Promise<DoubleWriteCopy> {
  const root = await mkdtemp(join(tmpdir(), 'durable-verdict-double-write-'));
  const remove = (): Promise<void> => rm(root, { recursive: true, force: true });
  try {
    await patchCopy(root);
  } catch (error) {
    await remove();
    throw error;
  }
  return { root, remove };
}

/** Copies the build into `root` and patches it (see `makeDoubleWriteCopy`). */
async function patchCopy(root: string): Promise<void> {
  for (const part of ['bin', 'dist', 'package.json'])
    await cp(join(repository, part), join(root, part), { recursive: true });
  await symlink(join(repository, 'node_modules'), join(root, 'node_modules'));
  const file = join(root, RECORDS_FILE);
  const source = await readFile(file, 'utf8');
  if (!source.includes(ANCHOR))
    throw new Error(`${RECORDS_FILE} has no "${ANCHOR}": the patch needs updating`);
  const patched = source.replace(ANCHOR, `const enqueued = writeTwice(batch.enqueue({`);
  // The second write: the record's end again, alone, after the first is committed.
  const helper = `
const writeTwice = (first, engine, run) => first.then(() =>
  engine.query('UPDATE runs SET ended_at = $2 WHERE id = $1', [run.id, run.endedAt ?? Date.now()]).then(() => undefined));
`;
  const closed = patched.replace(
    /(const enqueued = writeTwice\(batch\.enqueue\(\{[\s\S]*?\n\s*\}\));/,
    '$1, engine, run);',
  );
  if (closed === patched) throw new Error(`${RECORDS_FILE}: the end of the enqueue call was not found`);
  await writeFile(file, `${closed}\n${helper}`);
}
