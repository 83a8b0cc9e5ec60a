import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lockDataFolder, noteClosingFolder } from './lock-data-folder.js';

describe('lockDataFolder', () => {
  const folders: string[] = [];
  afterEach(async () => {
    await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
  });
  const folder = async (): Promise<string> => {
    const made = await mkdtemp(join(tmpdir(), 'lock-data-folder-'));
    folders.push(made);
    return made;
  };

  it('refuses a folder this process holds', async () => {
    const dir = await folder();
    await lockDataFolder(dir);
    await expect(lockDataFolder(dir)).rejects.toThrow(/in use by this process already/);
  });

  it('waits for this process’s engine on the folder to finish closing, then takes it', async () => {
    const dir = await folder();
    const unlock = await lockDataFolder(dir);
    let finishClose: () => void = () => undefined;
    const closing = new Promise<void>((resolve) => (finishClose = resolve)).then(unlock);
    noteClosingFolder(dir, closing);
    const second = lockDataFolder(dir);
    finishClose();
    const release = await second;
    await release();
  });
});
