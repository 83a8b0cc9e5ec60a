import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPackagePaths } from './check-docs.js';
import { builtFileToSource, exportsToPaths } from './exports-to-paths.js';

const repoRoot = new URL('../../', import.meta.url);
const repoRootPath = fileURLToPath(repoRoot);

describe('exportsToPaths', () => {
  it('maps every subpath export from its built file to the source', () => {
    const paths = exportsToPaths('ai-agent-gateway', {
      '.': { types: './dist/index.d.ts', import: './dist/index.js', default: './dist/index.js' },
      './testing': { types: './dist/testing/index.d.ts', import: './dist/testing/index.js' },
      './redis': { import: './dist/stores/redis/index.js' },
      './package.json': './package.json',
    });
    expect(paths).toEqual({
      'ai-agent-gateway': ['./src/index.ts'],
      'ai-agent-gateway/testing': ['./src/testing/index.ts'],
      'ai-agent-gateway/redis': ['./src/stores/redis/index.ts'],
    });
  });

  it('reads nested conditions, plain strings, a conditions-only root and wildcards', () => {
    expect(exportsToPaths('pkg', './dist/main.js')).toEqual({ pkg: ['./src/main.ts'] });
    expect(exportsToPaths('pkg', { import: './dist/main.js' })).toEqual({ pkg: ['./src/main.ts'] });
    expect(
      exportsToPaths('pkg', {
        './mcp': { import: { types: './dist/mcp/index.d.ts', default: './dist/mcp/index.js' } },
        './features/*': './dist/features/*.js',
        './internal/*': null,
      }),
    ).toEqual({ 'pkg/mcp': ['./src/mcp/index.ts'], 'pkg/features/*': ['./src/features/*.ts'] });
  });

  it('leaves out targets that are not built files', () => {
    expect(builtFileToSource('./package.json')).toBeUndefined();
    expect(builtFileToSource('./lib/index.js')).toBeUndefined();
    expect(builtFileToSource('./dist/cli/main.d.mts')).toBe('./src/cli/main.ts');
  });

  it('covers every export of this package with an existing source file', async () => {
    const manifest = JSON.parse(await readFile(new URL('package.json', repoRoot), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const { paths, failures } = await loadPackagePaths(repoRootPath);
    expect(failures).toEqual([]);
    const codeExports = Object.keys(manifest.exports).filter((subpath) => subpath !== './package.json');
    expect(Object.keys(paths)).toHaveLength(codeExports.length);
  });
});
