import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { nonBlankArgument, parseArgument } from '../../core/parse-options.js';
import { parseSkillFile, type SkillProfile } from './parse-skill-file.js';
import { SkillError } from './skill-error.js';

/** Reads skills (`<directory>/<name>.md`) on demand, so edits apply to the next `run_agent`. */
export interface SkillLoader {
  /** The skills directory, absolute. */
  readonly directory: string;
  /**
   * Loads and parses one skill. Throws `SkillError('invalid_skill')` for a name that would leave
   * the directory or a malformed file, `SkillError('not_found')` (listing what exists) otherwise.
   */
  load(name: string): Promise<SkillProfile>;
  /** Names of the skills (file names of `*.md` without the extension), sorted; [] without a directory. */
  listSkills(): Promise<string[]>;
  /** Whether `load(name)` would find a file (a refused name does not exist). */
  exists(name: string): Promise<boolean>;
}

const SKILL_EXTENSION = '.md';

const isMissing = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');

/**
 * Creates a loader for the skills in `directory`.
 *
 * A skill name comes from the model, so it is untrusted: it must name a file directly inside
 * the directory. Names with path separators, `..`, absolute paths and symlinks whose target
 * lies elsewhere are refused — the check compares real paths, so a link cannot smuggle a file
 * from outside in.
 */
export function createSkillLoader(directory: string): SkillLoader {
  const root = resolve(
    parseArgument(nonBlankArgument('a non-empty path'), directory, 'createSkillLoader', 'directory'),
  );

  async function listSkills(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(root, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    return entries
      .filter((entry) => entry.name.endsWith(SKILL_EXTENSION) && (entry.isFile() || entry.isSymbolicLink()))
      .map((entry) => entry.name.slice(0, -SKILL_EXTENSION.length))
      .filter((stem) => stem !== '')
      .sort();
  }

  /** The real path of the skill's file, or undefined when it does not exist. */
  async function locate(rawName: string): Promise<{ name: string; file: string | undefined }> {
    const name = typeof rawName === 'string' ? rawName.trim() : '';
    const refused = (): SkillError => new SkillError('invalid_skill', `Invalid skill name: '${name}'`);
    if (
      name === '' ||
      name === '.' ||
      name === '..' ||
      /[/\\\0]/.test(name) ||
      isAbsolute(name) ||
      dirname(resolve(root, `${name}${SKILL_EXTENSION}`)) !== root
    ) {
      throw refused();
    }
    let realFile: string;
    try {
      realFile = await realpath(join(root, `${name}${SKILL_EXTENSION}`));
    } catch (error) {
      if (isMissing(error)) return { name, file: undefined };
      throw new SkillError('invalid_skill', `Could not read skill '${name}': ${String(error)}`, {
        cause: error,
      });
    }
    if (dirname(realFile) !== (await realpath(root))) throw refused();
    return { name, file: realFile };
  }

  return {
    directory: root,
    listSkills,
    async load(rawName) {
      const { name, file } = await locate(rawName);
      let text: string | undefined;
      if (file !== undefined) {
        try {
          text = await readFile(file, 'utf8');
        } catch (error) {
          if (!isMissing(error)) {
            throw new SkillError('invalid_skill', `Could not read skill '${name}': ${String(error)}`, {
              cause: error,
            });
          }
        }
      }
      if (text === undefined) {
        const available = await listSkills();
        throw new SkillError(
          'not_found',
          `Skill '${name}' not found. Available: ${available.length > 0 ? available.join(', ') : '(none)'}`,
        );
      }
      return parseSkillFile(text, name);
    },
    async exists(name) {
      try {
        return (await locate(name)).file !== undefined;
      } catch (error) {
        if (error instanceof SkillError) return false;
        throw error;
      }
    },
  };
}
