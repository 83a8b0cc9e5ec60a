import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import { consoleWarningLogger } from '../../core/logger.js';

/** A JSON object as stored in a state file. */
export type JsonObject = Record<string, unknown>;

const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isMissingFile = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';

/** A copy of `value` whose object keys are sorted at every depth (arrays keep their order). */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isPlainObject(value)) return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeysDeep(value[key]);
  return sorted;
}

/**
 * Serialises a state object in a stable form: 2-space indent, keys sorted
 * recursively, a trailing newline. Sorted keys keep diffs of state files stable between runs.
 */
export function formatJsonObject(value: JsonObject): string {
  return `${JSON.stringify(sortKeysDeep(value), null, 2)}\n`;
}

/**
 * Reads a JSON object file. A missing file, unparsable JSON or a non-object value all read as
 * `{}` (the last two with a warning): a damaged state file must not stop a scheduled run.
 */
export async function readJsonObject(
  path: string,
  logger: Logger = consoleWarningLogger,
): Promise<JsonObject> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (!isMissingFile(error)) logger.warn(`Failed to read state file ${path}`, { error: String(error) });
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    logger.warn(`Failed to parse state file ${path}`, { error: String(error) });
    return {};
  }
  if (isPlainObject(parsed)) return parsed;
  logger.warn(`State file ${path} is not a JSON object`);
  return {};
}

/**
 * Writes a JSON object atomically: to a temporary file in the same directory, then renamed over
 * the target, so a reader (or a crash) never sees half a file. Creates missing parent
 * directories; removes the temporary file when the write fails.
 */
export async function writeJsonObjectAtomic(path: string, value: JsonObject): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const stem = basename(path, extname(path));
  const temporaryPath = join(directory, `.${stem}_${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporaryPath, formatJsonObject(value), 'utf8');
    await rename(temporaryPath, path);
  } catch (error) {
    await unlink(temporaryPath).catch(() => undefined);
    throw error;
  }
}
