import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { loadState, saveState } from './state-file.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'state-file-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('loadState', () => {
  it('reads {} when the file is missing', async () => {
    expect(await loadState(join(directory, 'nowhere'))).toEqual({});
  });

  it('reads {} for invalid JSON and for a JSON value that is not an object', async () => {
    await writeFile(join(directory, 'state.json'), '{broken');
    expect(await loadState(directory, 'state.json', silentLogger)).toEqual({});
    await writeFile(join(directory, 'state.json'), '[1, 2]');
    expect(await loadState(directory, 'state.json', silentLogger)).toEqual({});
  });

  it('reads back what saveState wrote, under a custom file name', async () => {
    await saveState(directory, { a: 1, nested: { b: [true] } }, 'custom.json');
    expect(await loadState(directory, 'custom.json')).toEqual({ a: 1, nested: { b: [true] } });
  });
});

describe('saveState', () => {
  it('writes sorted keys at every depth, 2-space indent and a trailing newline', async () => {
    await saveState(directory, { zeta: 1, alpha: { delta: 2, beta: [{ y: 1, x: 2 }] } });
    const text = await readFile(join(directory, 'state.json'), 'utf8');
    expect(text).toBe(
      [
        '{',
        '  "alpha": {',
        '    "beta": [',
        '      {',
        '        "x": 2,',
        '        "y": 1',
        '      }',
        '    ],',
        '    "delta": 2',
        '  },',
        '  "zeta": 1',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('creates missing parent directories and leaves no temporary file behind', async () => {
    const nested = join(directory, 'a', 'b');
    await saveState(nested, { ok: true });
    await saveState(nested, { ok: false });
    expect(await readdir(nested)).toEqual(['state.json']);
    expect(await loadState(nested)).toEqual({ ok: false });
  });

  it('rejects and removes its temporary file when the target cannot be replaced', async () => {
    // A directory where the file should be: the final rename fails.
    await saveState(join(directory, 'state.json'), { inner: true });
    await expect(saveState(directory, { ok: true })).rejects.toThrow();
    expect((await readdir(directory)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
