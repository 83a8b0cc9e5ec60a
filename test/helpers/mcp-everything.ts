import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** server-everything's entry point, run with this Node (no npx, no network). */
function everythingEntry(): string {
  const manifestPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
  const manifest = require(manifestPath) as { bin: string | Record<string, string> };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : (Object.values(manifest.bin)[0] ?? '');
  return join(dirname(manifestPath), bin);
}

/** The stdio configuration of the real `@modelcontextprotocol/server-everything`. */
export const everythingServer = (): { command: string; args: string[] } => ({
  command: process.execPath,
  args: [everythingEntry(), 'stdio'],
});
