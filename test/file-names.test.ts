import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFilesUnder } from './helpers/declared-names.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * The base names that more than one file has, with those files. The entry files at the root of
 * src/ (`src/stores.ts`, `src/tools.ts`, ...) are named for the subpath they export and left out.
 */
function sharedBaseNames(files: readonly string[]): Record<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const file of files.filter((path) => path.split('/').length > 2)) {
    const name = file.split('/').pop() ?? file;
    byName.set(name, [...(byName.get(name) ?? []), file]);
  }
  return Object.fromEntries([...byName].filter(([, paths]) => paths.length > 1));
}

describe('the file names of src/', () => {
  it('gives no two source files the same base name, so a name finds one file', () => {
    expect(sharedBaseNames(sourceFilesUnder(repoRoot, 'src'))).toEqual({});
  });

  it('fails two files of one name in different folders, and not an entry file', () => {
    const files = [
      'src/headless/run-output.ts',
      'src/server/threads/run-output.ts',
      'src/stores.ts',
      'src/core/stores.ts',
    ];
    expect(sharedBaseNames(files)).toEqual({
      'run-output.ts': ['src/headless/run-output.ts', 'src/server/threads/run-output.ts'],
    });
  });
});
