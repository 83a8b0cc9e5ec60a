import { describe, expect, it } from 'vitest';
import { parseSkillFile } from './parse-skill-file.js';
import { SkillError } from './skill-error.js';

const invalidSkill = (text: string): SkillError => {
  try {
    parseSkillFile(text, 'broken');
  } catch (error) {
    if (error instanceof SkillError) return error;
    throw error;
  }
  throw new Error('expected parseSkillFile to throw');
};

describe('parseSkillFile', () => {
  it('treats a file without front matter as all prompt, named after the file', () => {
    expect(parseSkillFile('\n  Summarise the text.\n\n', 'summarizer')).toEqual({
      name: 'summarizer',
      toolPacks: [],
      metadata: {},
      prompt: 'Summarise the text.',
    });
  });

  it('reads every front matter field and puts unknown keys into metadata', () => {
    const text = [
      '---',
      'name: deep-researcher',
      'version: 1.2',
      'model: claude-opus-4-6',
      'max_turns: "6"',
      'timeout: 45.5',
      'tool_packs: [web, files]',
      'persist_state: yes',
      'scope: portfolio',
      'interactive: false',
      'metadata: { owner: research, tier: 2 }',
      'color: blue',
      '---',
      '',
      'You research facts.',
      '',
    ].join('\n');
    expect(parseSkillFile(text, 'researcher')).toEqual({
      name: 'deep-researcher',
      version: '1.2',
      model: 'claude-opus-4-6',
      maxTurns: 6,
      timeoutMs: 45_500,
      toolPacks: ['web', 'files'],
      persistState: true,
      scope: 'portfolio',
      interactive: false,
      metadata: { owner: 'research', tier: 2, color: 'blue' },
      prompt: 'You research facts.',
    });
  });

  it('accepts a single tool pack as a string and the on/off spellings of persist_state', () => {
    const profile = parseSkillFile('---\ntool_packs: web\npersist_state: "OFF"\n---\nBody', 'x');
    expect(profile.toolPacks).toEqual(['web']);
    expect(profile.persistState).toBe(false);
    expect(parseSkillFile('---\npersist_state: 1\n---\nBody', 'x').persistState).toBe(true);
  });

  it('accepts empty front matter and Windows line endings', () => {
    expect(parseSkillFile('---\r\n---\r\nHello\r\n', 'greeter')).toMatchObject({
      name: 'greeter',
      prompt: 'Hello',
    });
  });

  it.each([
    ['a boolean max_turns', '---\nmax_turns: true\n---\nx', /max_turns must be a positive integer/],
    ['a fractional max_turns', '---\nmax_turns: 2.5\n---\nx', /max_turns/],
    ['a non-numeric max_turns', '---\nmax_turns: many\n---\nx', /max_turns/],
    ['a zero timeout', '---\ntimeout: 0\n---\nx', /timeout must be a positive number/],
    ['an unknown scope', '---\nscope: market\n---\nx', /scope must be 'ticker' or 'portfolio'/],
    ['a list as front matter', '---\n- a\n- b\n---\nx', /must be a mapping/],
    ['a scalar as front matter', '---\njust text\n---\nx', /must be a mapping/],
    ['unterminated front matter', '---\nname: x\nYou research.', /no closing '---'/],
    ['invalid YAML', '---\nname: [unclosed\n---\nx', /not valid YAML/],
    ['an unknown persist_state word', '---\npersist_state: maybe\n---\nx', /persist_state must be a boolean/],
    ['non-string tool packs', '---\ntool_packs: [1, 2]\n---\nx', /tool_packs/],
    ['a non-mapping metadata', '---\nmetadata: [a]\n---\nx', /metadata must be a mapping/],
    ['a non-string model', '---\nmodel: 42\n---\nx', /model must be a string/],
  ])('rejects %s as invalid_skill', (_case, text, message) => {
    const error = invalidSkill(text);
    expect(error.code).toBe('invalid_skill');
    expect(error.message).toMatch(/^Invalid skill 'broken': /);
    expect(error.message).toMatch(message);
  });
});
