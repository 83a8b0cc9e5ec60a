import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.js';
import { isChecklistEmpty } from './is-checklist-empty.js';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'checklist-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('isChecklistEmpty', () => {
  it('does not gate when no path is configured', async () => {
    expect(await isChecklistEmpty(undefined)).toBe(false);
    expect(await isChecklistEmpty(null)).toBe(false);
  });

  it('treats a missing or unreadable file as empty', async () => {
    expect(await isChecklistEmpty(join(directory, 'missing.md'))).toBe(true);
    const aDirectory = join(directory, 'dir.md');
    await mkdir(aDirectory);
    expect(await isChecklistEmpty(aDirectory, silentLogger)).toBe(true);
  });

  it('is empty when every line is blank or a # comment', async () => {
    const path = join(directory, 'HEARTBEAT.md');
    await writeFile(path, '# Checklist\n\n   \n  # nothing yet\r\n');
    expect(await isChecklistEmpty(path)).toBe(true);
  });

  it('is not empty once any line has content', async () => {
    const path = join(directory, 'HEARTBEAT.md');
    await writeFile(path, '# Checklist\n- check the disk\n');
    expect(await isChecklistEmpty(path)).toBe(false);
  });
});
