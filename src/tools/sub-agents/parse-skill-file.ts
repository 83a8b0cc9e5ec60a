import { parse as parseYaml } from 'yaml';
import { SkillError } from './skill-error.js';

/** What a skill's `scope` may say. */
export type SkillScope = 'ticker' | 'portfolio';

/**
 * A skill: a named sub-agent profile read from `<skillsDir>/<name>.md`.
 *
 * `run_agent` uses only `model`, `maxTurns`, `timeoutMs` and `prompt`; the other fields are
 * informational (kept so applications can build on them).
 */
export interface SkillProfile {
  /** The front matter's `name`, else the file name without `.md`. */
  name: string;
  version?: string;
  /** Model for this skill (must still be allowed); default: the toolkit's default model. */
  model?: string;
  /** Turn limit of the sub-agent (default: the toolkit's, 15). */
  maxTurns?: number;
  /** Wall-clock limit of the sub-agent in ms (the file's `timeout` is in seconds; default: the toolkit's, 300 000). */
  timeoutMs?: number;
  toolPacks: string[];
  persistState?: boolean;
  scope?: SkillScope;
  interactive?: boolean;
  /** The front matter's `metadata` mapping plus every key the profile does not name. */
  metadata: Record<string, unknown>;
  /** The markdown body, trimmed: the sub-agent's system prompt. */
  prompt: string;
}

const KNOWN_KEYS = new Set([
  'name',
  'version',
  'model',
  'max_turns',
  'timeout',
  'tool_packs',
  'persist_state',
  'scope',
  'interactive',
  'metadata',
]);

const TRUE_WORDS = new Set(['true', 'yes', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', '0', 'off']);

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses a skill file: optional YAML front matter between a first line `---` and the next line
 * `---`, then the markdown body (the prompt). `fileStem` (the file name without `.md`) is the
 * name when the front matter gives none.
 *
 * Throws `SkillError('invalid_skill')` naming the file and the problem when the front matter
 * is unterminated, not YAML, not a mapping, or has a field of the wrong type. A file without
 * front matter is all prompt.
 */
export function parseSkillFile(text: string, fileStem: string): SkillProfile {
  const invalid = (problem: string, cause?: unknown): SkillError =>
    new SkillError('invalid_skill', `Invalid skill '${fileStem}': ${problem}`, { cause });
  const { frontMatter, body } = splitFrontMatter(text.replace(/^\uFEFF/, ''), invalid);

  let parsed: unknown;
  try {
    parsed = frontMatter === undefined ? {} : parseYaml(frontMatter);
  } catch (error) {
    throw invalid(
      `front matter is not valid YAML (${error instanceof Error ? error.message : String(error)})`,
      error,
    );
  }
  const meta = parsed ?? {};
  if (!isMapping(meta)) throw invalid('front matter must be a mapping of keys to values');

  const profile: SkillProfile = {
    name: optionalText(meta, 'name', invalid) ?? fileStem,
    toolPacks: toolPacksOf(meta.tool_packs, invalid),
    metadata: {},
    prompt: body.trim(),
  };
  const version = optionalText(meta, 'version', invalid, { numbers: true });
  if (version !== undefined) profile.version = version;
  const model = optionalText(meta, 'model', invalid);
  if (model !== undefined) profile.model = model;
  const maxTurns = positiveNumber(meta.max_turns, 'max_turns', invalid, { integer: true });
  if (maxTurns !== undefined) profile.maxTurns = maxTurns;
  const timeout = positiveNumber(meta.timeout, 'timeout', invalid, { integer: false });
  // Users write seconds, as skill files have always done; the profile counts milliseconds.
  if (timeout !== undefined) profile.timeoutMs = Math.round(timeout * 1000);
  const persistState = flag(meta.persist_state, 'persist_state', invalid);
  if (persistState !== undefined) profile.persistState = persistState;
  const interactive = flag(meta.interactive, 'interactive', invalid);
  if (interactive !== undefined) profile.interactive = interactive;
  if (meta.scope !== undefined && meta.scope !== null) {
    if (meta.scope !== 'ticker' && meta.scope !== 'portfolio') {
      throw invalid(`scope must be 'ticker' or 'portfolio', got ${JSON.stringify(meta.scope)}`);
    }
    profile.scope = meta.scope;
  }
  if (meta.metadata !== undefined && meta.metadata !== null && !isMapping(meta.metadata)) {
    throw invalid('metadata must be a mapping');
  }
  profile.metadata = { ...(isMapping(meta.metadata) ? meta.metadata : {}) };
  for (const [key, value] of Object.entries(meta)) {
    if (!KNOWN_KEYS.has(key)) profile.metadata[key] = value;
  }
  return profile;
}

function splitFrontMatter(
  text: string,
  invalid: (problem: string) => SkillError,
): { frontMatter: string | undefined; body: string } {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trimEnd() !== '---') return { frontMatter: undefined, body: text };
  const closing = lines.findIndex((line, index) => index > 0 && line.trimEnd() === '---');
  if (closing === -1) throw invalid("front matter starts with '---' but has no closing '---' line");
  return {
    frontMatter: lines.slice(1, closing).join('\n'),
    body: lines.slice(closing + 1).join('\n'),
  };
}

/** A non-blank string (trimmed), absent when missing, null or blank. */
function optionalText(
  meta: Record<string, unknown>,
  key: string,
  invalid: (problem: string) => SkillError,
  options: { numbers?: boolean } = {},
): string | undefined {
  const value = meta[key];
  if (value === undefined || value === null) return undefined;
  if (options.numbers === true && typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw invalid(`${key} must be a string`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** A positive number; numeric strings are accepted, booleans are not (YAML `yes` is no count). */
function positiveNumber(
  value: unknown,
  key: string,
  invalid: (problem: string) => SkillError,
  options: { integer: boolean },
): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  const kind = options.integer ? 'a positive integer' : 'a positive number';
  if (typeof value === 'boolean' || !Number.isFinite(number) || number <= 0) {
    throw invalid(`${key} must be ${kind}, got ${JSON.stringify(value)}`);
  }
  if (options.integer && !Number.isInteger(number)) {
    throw invalid(`${key} must be ${kind}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** A boolean, also spelled true/yes/1/on or false/no/0/off (any case). */
function flag(value: unknown, key: string, invalid: (problem: string) => SkillError): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const word =
    typeof value === 'string' || typeof value === 'number' ? String(value).trim().toLowerCase() : '';
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw invalid(`${key} must be a boolean (true/yes/1/on or false/no/0/off), got ${JSON.stringify(value)}`);
}

function toolPacksOf(value: unknown, invalid: (problem: string) => SkillError): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.trim() === '' ? [] : [value.trim()];
  if (Array.isArray(value) && value.every((pack): pack is string => typeof pack === 'string')) {
    return value.map((pack) => pack.trim()).filter((pack) => pack !== '');
  }
  throw invalid('tool_packs must be a string or a list of strings');
}
