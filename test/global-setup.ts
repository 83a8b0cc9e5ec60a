import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The newest modification time of any file under `directory` (0 when it does not exist). */
function newestChange(directory: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(directory, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(directory, entry.name);
    const time = entry.isDirectory() ? newestChange(path) : statSync(path).mtimeMs;
    if (time > newest) newest = time;
  }
  return newest;
}

/**
 * Builds the package once before the suite when `dist/` is missing or older than `src/`, so
 * `npm test` on a fresh checkout does not depend on remembering `npm run build` first (a few
 * tests run the built CLI and the packed templates).
 */
export default function setup(): void {
  const built = newestChange(join(root, 'dist'));
  if (built !== 0 && built >= newestChange(join(root, 'src'))) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}
