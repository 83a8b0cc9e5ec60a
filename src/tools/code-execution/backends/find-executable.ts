import { constants } from 'node:fs';
import { access, realpath, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * Finds an executable the way a shell would: a name containing "/" is checked as given,
 * anything else is looked up in each directory of `searchPath` in order. Resolves the real
 * path (symlinks followed), because a sandbox must bind the file that actually runs; `null`
 * when nothing executable is found.
 */
export async function findExecutable(command: string, searchPath: string): Promise<string | null> {
  const candidates = command.includes('/')
    ? [command]
    : searchPath
        .split(delimiter)
        .filter((directory) => isAbsolute(directory))
        .map((directory) => join(directory, command));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      if (!(await stat(candidate)).isFile()) continue;
      return await realpath(candidate);
    } catch {
      // Not here (or not executable): try the next directory.
    }
  }
  return null;
}

/** System directories searched for sandbox helpers (bwrap, prlimit, setpriv) after PATH. */
export const SYSTEM_SEARCH_PATH = '/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin';
