import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchPathsFor } from './watch-paths.js';

describe('watchPathsFor', () => {
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
  });

  it('watches the agent folder’s files and folders but not the data folder, .git or node_modules', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'watch-paths-'));
    folders.push(folder);
    await writeFile(join(folder, 'agent.ts'), '');
    await mkdir(join(folder, 'skills'));
    await mkdir(join(folder, '.agent-gateway', 'data'), { recursive: true });
    await mkdir(join(folder, '.git'));
    await mkdir(join(folder, 'node_modules'));

    expect(watchPathsFor(folder)).toEqual([join(folder, 'agent.ts'), join(folder, 'skills')]);
  });
});
