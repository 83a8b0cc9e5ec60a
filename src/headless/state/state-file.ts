import { join } from 'node:path';
import type { Logger } from '../../core/logger.js';
import type { JsonObject } from './json-object-file.js';
import { readJsonObject, writeJsonObjectAtomic } from './json-object-file.js';

/** The file name `runAutonomous` keeps its state in, inside `stateDir`. */
export const DEFAULT_STATE_FILE = 'state.json';

/**
 * Loads the state a previous run saved in `<stateDir>/<stateFile>`. A missing, unparsable or
 * non-object file reads as `{}`, so the first run and a damaged file both start fresh.
 */
export function loadState(
  stateDir: string,
  stateFile: string = DEFAULT_STATE_FILE,
  logger?: Logger,
): Promise<JsonObject> {
  return readJsonObject(join(stateDir, stateFile), logger);
}

/**
 * Saves run state to `<stateDir>/<stateFile>` atomically (temporary file + rename), with sorted
 * keys, 2-space indent and a trailing newline; creates the directory when needed.
 */
export function saveState(
  stateDir: string,
  state: JsonObject,
  stateFile: string = DEFAULT_STATE_FILE,
): Promise<void> {
  return writeJsonObjectAtomic(join(stateDir, stateFile), { ...state });
}
