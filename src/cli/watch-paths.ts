import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Folders `serve --watch` never watches: dependencies, and anything whose name starts with a dot
 * (`.agent-gateway/`, where the embedded database and the session secret live; `.git/`).
 */
const isSkipped = (name: string): boolean => name === 'node_modules' || name.startsWith('.');

/**
 * The paths `serve --watch` hands to `node --watch-path`: every entry of the agent module's folder
 * except the skipped ones. Watching the folder itself would watch the embedded database's data
 * folder when the gateway runs from there, and each write to it would restart the gateway, in a
 * loop. Entries are read once, at start: a top-level file or folder created later is not watched
 * until the next start (files inside a watched folder are).
 */
export function watchPathsFor(agentFolder: string): string[] {
  const entries = readdirSync(agentFolder, { withFileTypes: true });
  return entries
    .filter((entry) => !isSkipped(entry.name))
    .map((entry) => join(agentFolder, entry.name))
    .sort();
}
