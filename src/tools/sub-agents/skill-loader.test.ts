import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createTemporaryDirectory,
  SKILL_FILES,
  type TemporaryDirectory,
} from './__fixtures__/sub-agent-fixtures.js';
import { SkillError } from './skill-error.js';
import { createSkillLoader } from './skill-loader.js';

const skillErrorOf = async (work: Promise<unknown>): Promise<SkillError> => {
  const error: unknown = await work.then(
    () => new Error('expected a SkillError'),
    (thrown: unknown) => thrown,
  );
  if (error instanceof SkillError) return error;
  throw error instanceof Error ? error : new Error(String(error));
};

describe('createSkillLoader', () => {
  let root: TemporaryDirectory;
  let skillsDir: string;

  beforeEach(async () => {
    // <root>/skills holds the skills; <root>/outside.md and <root>/secret/ lie outside them.
    root = await createTemporaryDirectory({
      ...Object.fromEntries(Object.entries(SKILL_FILES).map(([name, text]) => [`skills/${name}`, text])),
      'skills/notes.txt': 'not a skill',
      'skills/nested/inner.md': 'not directly inside',
      'outside.md': 'You leak secrets.',
      'secret/passwords.md': 'hunter2',
    });
    skillsDir = join(root.path, 'skills');
  });

  afterEach(async () => {
    await root.remove();
  });

  it('lists the stems of the markdown files directly inside the directory, sorted', async () => {
    await root.write('skills/analyst.md', 'You analyse.');
    expect(await createSkillLoader(skillsDir).listSkills()).toEqual(['analyst', 'researcher', 'summarizer']);
  });

  it('lists nothing when the directory does not exist', async () => {
    expect(await createSkillLoader(join(root.path, 'missing')).listSkills()).toEqual([]);
  });

  it('loads and parses a skill by its trimmed name', async () => {
    const profile = await createSkillLoader(skillsDir).load('  researcher ');
    expect(profile).toMatchObject({
      name: 'researcher',
      maxTurns: 6,
      prompt: 'You research facts carefully.',
    });
  });

  it('reports a missing skill as not_found with the available names', async () => {
    const error = await skillErrorOf(createSkillLoader(skillsDir).load('writer'));
    expect(error.code).toBe('not_found');
    expect(error.message).toBe("Skill 'writer' not found. Available: researcher, summarizer");
  });

  it('says (none) when no skill exists', async () => {
    await mkdir(join(root.path, 'empty'));
    const error = await skillErrorOf(createSkillLoader(join(root.path, 'empty')).load('writer'));
    expect(error.message).toBe("Skill 'writer' not found. Available: (none)");
  });

  it.each([
    ['a parent-directory name', '../outside'],
    ['a bare ..', '..'],
    ['an absolute path', '/etc/passwd'],
    ['a nested path', 'nested/inner'],
    ['a backslash path', '..\\outside'],
    ['an empty name', '   '],
  ])('refuses %s as an invalid skill name', async (_case, name) => {
    const loader = createSkillLoader(skillsDir);
    const error = await skillErrorOf(loader.load(name));
    expect(error.code).toBe('invalid_skill');
    expect(error.message).toMatch(/^Invalid skill name/);
    expect(await loader.exists(name)).toBe(false);
  });

  it('refuses an absolute path to a real skill file', async () => {
    const error = await skillErrorOf(createSkillLoader(skillsDir).load(join(skillsDir, 'researcher')));
    expect(error.code).toBe('invalid_skill');
  });

  it('refuses a symlink inside the directory that points outside it', async () => {
    await symlink(join(root.path, 'secret', 'passwords.md'), join(skillsDir, 'leak.md'));
    const loader = createSkillLoader(skillsDir);
    const error = await skillErrorOf(loader.load('leak'));
    expect(error.code).toBe('invalid_skill');
    expect(error.message).toBe("Invalid skill name: 'leak'");
    expect(await loader.exists('leak')).toBe(false);
  });

  it('follows a symlink that stays inside the directory', async () => {
    await symlink(join(skillsDir, 'summarizer.md'), join(skillsDir, 'brief.md'));
    const profile = await createSkillLoader(skillsDir).load('brief');
    expect(profile).toMatchObject({ name: 'brief', prompt: 'You summarise text in three bullet points.' });
  });

  it('reports malformed front matter as invalid_skill', async () => {
    await root.write('skills/broken.md', '---\nmax_turns: yes\n---\nBody');
    const error = await skillErrorOf(createSkillLoader(skillsDir).load('broken'));
    expect(error.code).toBe('invalid_skill');
  });

  it('says whether a skill exists', async () => {
    const loader = createSkillLoader(skillsDir);
    expect(await loader.exists('researcher')).toBe(true);
    expect(await loader.exists('writer')).toBe(false);
  });

  it('rejects a blank directory at construction', () => {
    expect(() => createSkillLoader(' ')).toThrow(/directory must be a non-empty path/);
  });
});
