import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Module specifiers a file loads when it is imported: static imports and re-exports that survive compilation. */
const staticImports = (source: string): string[] => {
  const specifiers: string[] = [];
  const statement = /^(import|export)\s+(type\s+)?([^;]*?)\s*from\s+'([^']+)'/gms;
  for (const match of source.matchAll(statement)) {
    if (match[2] !== undefined) continue; // `import type` / `export type` are erased
    specifiers.push(match[4] ?? '');
  }
  for (const match of source.matchAll(/^import\s+'([^']+)'/gm)) specifiers.push(match[1] ?? '');
  return specifiers;
};

/** What a module reaches through static imports: packages (with the chain to each) and source files. */
const reachable = (entry: string): { packages: Map<string, string[]>; files: Set<string> } => {
  const packages = new Map<string, string[]>();
  const files = new Set<string>();
  const visit = (file: string, chain: string[]): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const specifier of staticImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.')) {
        visit(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')), [...chain, specifier]);
      } else if (!packages.has(specifier)) {
        packages.set(specifier, [...chain, specifier]);
      }
    }
  };
  visit(resolve(sourceRoot, entry), [entry]);
  return { packages, files };
};

/** Every package a module reaches through static imports, with the chain that reaches it. */
const reachablePackages = (entry: string): Map<string, string[]> => reachable(entry).packages;

const packageName = (specifier: string): string =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');

describe('optional dependencies load only when used', () => {
  it.each(['index.ts', 'agent.ts', 'tools.ts', 'headless.ts', 'cli/main.ts'])(
    "%s does not load ioredis, tsx, prom-client or Slack's client until they are needed",
    (entry) => {
      const reached = reachablePackages(entry);
      const names = new Set([...reached.keys()].map(packageName));
      expect(reached.get('ioredis'), 'chain to ioredis').toBeUndefined();
      expect(names.has('ioredis')).toBe(false);
      expect(names.has('tsx')).toBe(false);
      expect(names.has('prom-client')).toBe(false);
      expect(names.has('@slack/web-api')).toBe(false);
    },
  );

  it.each(['index.ts', 'stores.ts', 'cli/main.ts'])(
    '%s loads pg and PGlite only when a thread store is opened',
    (entry) => {
      const names = new Set([...reachablePackages(entry).keys()].map(packageName));
      expect(names.has('pg')).toBe(false);
      expect(names.has('@electric-sql/pglite')).toBe(false);
    },
  );

  it.each(['index.ts', 'headless.ts', 'cli/serve-command.ts', 'cli/run-command.ts'])(
    '%s loads the MCP SDK only for an MCP server or the MCP endpoint, and the OpenAI SDK only for an OpenAI call',
    (entry) => {
      const reached = reachablePackages(entry);
      const names = new Set([...reached.keys()].map(packageName));
      for (const name of ['@modelcontextprotocol/sdk', '@modelcontextprotocol/server', 'openai']) {
        const chain = [...reached].find(([specifier]) => packageName(specifier) === name)?.[1];
        expect(names.has(name), `chain to ${name}: ${chain?.join(' > ') ?? ''}`).toBe(false);
      }
    },
  );

  it("the CLI's entry loads no command until it runs one: the process that re-executes serve holds no gateway code", () => {
    const files = [...reachable('cli/main.ts').files].map((file) => file.slice(sourceRoot.length + 1)).sort();
    expect(files.filter((file) => !file.startsWith('cli/') && !file.startsWith('core/'))).toEqual([]);
    expect(files).not.toContain('cli/serve-command.ts');
    expect(files).toContain('cli/serving-process.ts');
    expect(files.length).toBeLessThan(12);
  });

  it('the redis entry point does load ioredis (the walk sees static imports)', () => {
    const names = new Set([...reachablePackages('redis.ts').keys()].map(packageName));
    expect(names.has('ioredis')).toBe(true);
  });
});
