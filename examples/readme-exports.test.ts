import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README points to functions by module (`runAgent` from `ai-agent-gateway/agent`); a name
 * that left the public API must leave the README too, or an upgrading user follows it into an
 * import error.
 */

const README = fileURLToPath(new URL('../README.md', import.meta.url));

/** `[name, module]` for "`name` from `module`" and "`module` (`name`, ...)" in the README. */
const namedExports = (markdown: string): [string, string][] => [
  ...[...markdown.matchAll(/`(\w+)` from `(ai-agent-gateway(?:\/[a-z-]+)?)`/g)].map(
    (match): [string, string] => [match[1] ?? '', match[2] ?? ''],
  ),
  ...[...markdown.matchAll(/`(ai-agent-gateway\/[a-z-]+)` \(`(\w+)`/g)].map((match): [string, string] => [
    match[2] ?? '',
    match[1] ?? '',
  ]),
];

describe('README exports', () => {
  it('names only functions its modules export', async () => {
    const named = namedExports(await readFile(README, 'utf8'));
    expect(named).toContainEqual(['runAgent', 'ai-agent-gateway/agent']);
    const missing: string[] = [];
    for (const [name, module] of named) {
      const exported = (await import(/* @vite-ignore */ module)) as Record<string, unknown>;
      if (!(name in exported)) missing.push(`${name} from ${module}`);
    }
    expect(missing).toEqual([]);
  });
});
