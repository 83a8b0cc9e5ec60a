import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';
import { nonBlankArgument, parseArgument } from '../../core/parse-options.js';

/** A skill's persisted state: a JSON object. */
export type SkillState = Record<string, unknown>;

/** Per-skill state kept in one JSON file (`{ "<skill>": { … }, … }`). */
export interface SkillStateStore {
  /** The state file, absolute. */
  readonly file: string;
  /** A copy of the skill's state; `{}` when it has none or the file is missing or unreadable. */
  get(skill: string): Promise<SkillState>;
  /** Replaces the skill's state. */
  set(skill: string, state: SkillState): Promise<void>;
  /** Removes the skill's state. */
  clear(skill: string): Promise<void>;
}

const isObject = (value: unknown): value is SkillState =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const skillNameSchema = nonBlankArgument('a non-empty string');
const stateSchema = z.custom<SkillState>(isObject, { message: 'must be an object' });

/** Key-sorted copy, so the file diffs cleanly from run to run. */
const sortedKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys(value[key])]),
  );
};

/**
 * Creates a store over `file`. Writes are atomic (a temporary file in the same directory, then a
 * rename), so a crash never leaves half a JSON document, and they are serialised within the
 * process so two updates of different skills cannot lose each other.
 */
export function createSkillStateStore(file: string): SkillStateStore {
  const path = resolve(
    parseArgument(nonBlankArgument('a non-empty path'), file, 'createSkillStateStore', 'file'),
  );
  let queue: Promise<unknown> = Promise.resolve();

  async function readAll(): Promise<SkillState> {
    try {
      const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
      return isObject(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }

  async function writeAll(states: SkillState): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const temporary = resolve(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, `${JSON.stringify(sortedKeys(states), null, 2)}\n`, 'utf8');
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Runs read-modify-write steps one at a time; a failed step does not block later ones. */
  function update(change: (states: SkillState) => void): Promise<void> {
    const step = queue.then(async () => {
      const states = await readAll();
      change(states);
      await writeAll(states);
    });
    queue = step.catch(() => undefined);
    return step;
  }

  const checkName = (skill: unknown): string =>
    parseArgument(skillNameSchema, skill, 'SkillStateStore', 'skill').trim();

  return {
    file: path,
    async get(skill) {
      const name = checkName(skill);
      await queue;
      const state = (await readAll())[name];
      return isObject(state) ? structuredClone(state) : {};
    },
    async set(skill, state) {
      const name = checkName(skill);
      const copy = structuredClone(parseArgument(stateSchema, state, 'SkillStateStore', 'state'));
      await update((states) => {
        states[name] = copy;
      });
    },
    async clear(skill) {
      const name = checkName(skill);
      await update((states) => {
        delete states[name];
      });
    },
  };
}
