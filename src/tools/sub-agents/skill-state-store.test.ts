import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTemporaryDirectory, type TemporaryDirectory } from './__fixtures__/sub-agent-fixtures.js';
import { createSkillStateStore } from './skill-state-store.js';

describe('createSkillStateStore', () => {
  let directory: TemporaryDirectory;
  let file: string;

  beforeEach(async () => {
    directory = await createTemporaryDirectory();
    file = join(directory.path, 'state', 'skills.json');
  });

  afterEach(async () => {
    await directory.remove();
  });

  it('returns an empty state for a skill that has none, without creating the file', async () => {
    expect(await createSkillStateStore(file).get('researcher')).toEqual({});
    await expect(readFile(file, 'utf8')).rejects.toThrow();
  });

  it('keeps one state per skill in one key-sorted JSON file', async () => {
    const store = createSkillStateStore(file);
    await store.set('researcher', { zeta: 1, alpha: { b: 2, a: 1 } });
    await store.set('summarizer', { last: 'ok' });
    expect(await store.get('researcher')).toEqual({ zeta: 1, alpha: { b: 2, a: 1 } });
    expect(await readFile(file, 'utf8')).toBe(
      `${JSON.stringify({ researcher: { alpha: { a: 1, b: 2 }, zeta: 1 }, summarizer: { last: 'ok' } }, null, 2)}\n`,
    );
  });

  it('clears one skill and keeps the others', async () => {
    const store = createSkillStateStore(file);
    await store.set('researcher', { n: 1 });
    await store.set('summarizer', { n: 2 });
    await store.clear('researcher');
    expect(await store.get('researcher')).toEqual({});
    expect(await createSkillStateStore(file).get('summarizer')).toEqual({ n: 2 });
  });

  it('loses no update when writes overlap and leaves no temporary file', async () => {
    const store = createSkillStateStore(file);
    await Promise.all(['a', 'b', 'c', 'd'].map((skill, index) => store.set(skill, { index })));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({
      a: { index: 0 },
      b: { index: 1 },
      c: { index: 2 },
      d: { index: 3 },
    });
    expect(await readdir(join(directory.path, 'state'))).toEqual(['skills.json']);
  });

  it('treats an unreadable file as empty and replaces it on the next write', async () => {
    await directory.write('state/skills.json', '{ not json');
    const store = createSkillStateStore(file);
    expect(await store.get('researcher')).toEqual({});
    await store.set('researcher', { ok: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ researcher: { ok: true } });
  });

  it('hands out copies, so changing a returned state changes nothing stored', async () => {
    const store = createSkillStateStore(file);
    await store.set('researcher', { list: [1] });
    const state = await store.get('researcher');
    (state.list as number[]).push(2);
    expect(await store.get('researcher')).toEqual({ list: [1] });
  });

  it('rejects a non-object state and a blank skill name', async () => {
    const store = createSkillStateStore(file);
    await expect(store.set('researcher', [] as unknown as Record<string, unknown>)).rejects.toThrow(
      /state must be an object/,
    );
    await expect(store.get(' ')).rejects.toThrow(/skill must be a non-empty string/);
  });
});
