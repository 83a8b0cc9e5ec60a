// @ts-check
/**
 * The layers of src/ and the only directions their imports may point (inward), as ESLint
 * `no-restricted-imports` blocks. A file in a layer may import its own layer and the layers in
 * its `may` list, nothing else: not an outer layer, not `testing/`, not the entry files at the
 * root of src/ (index.ts and the subpath entries). Tests and fixtures are exempt.
 *
 *   core <- providers, stores <- agent <- tools <- agent-spec <- server, headless <- cli
 *
 * `testing/` sits on top (it may import anything; nothing in src/ imports it).
 * docs/architecture.md explains what goes where; test/layering.test.ts proves the rule bites.
 */

/** @type {ReadonlyArray<{ name: string, may: readonly string[] }>} */
export const layers = [
  { name: 'core', may: [] },
  { name: 'providers', may: ['core'] },
  { name: 'stores', may: ['core'] },
  { name: 'agent', may: ['core', 'providers', 'stores'] },
  { name: 'tools', may: ['core', 'providers', 'stores', 'agent'] },
  { name: 'agent-spec', may: ['core', 'providers', 'stores', 'agent', 'tools'] },
  { name: 'server', may: ['core', 'providers', 'stores', 'agent', 'tools', 'agent-spec'] },
  { name: 'headless', may: ['core', 'providers', 'stores', 'agent', 'tools', 'agent-spec'] },
  { name: 'cli', may: ['core', 'providers', 'stores', 'agent', 'tools', 'agent-spec', 'server', 'headless'] },
];

const allDirectories = [...layers.map((layer) => layer.name), 'testing'];

/** Packages a layer must not import even though they are dependencies of the project. */
/** @type {Record<string, { group: string[], message: string }>} */
const forbiddenPackages = {
  core: {
    group: [
      'node:*',
      'hono',
      'hono/*',
      '@hono/*',
      '@anthropic-ai/*',
      'openai',
      'openai/*',
      '@modelcontextprotocol/*',
    ],
    message: 'src/core holds contracts only: no I/O, SDKs or node: modules.',
  },
  providers: { group: ['hono', 'hono/*', '@hono/*'], message: 'HTTP serving belongs to src/server.' },
  agent: { group: ['hono', 'hono/*', '@hono/*'], message: 'HTTP serving belongs to src/server.' },
  tools: { group: ['hono', 'hono/*', '@hono/*'], message: 'HTTP serving belongs to src/server.' },
};

/** The public API is on purpose: every config that sets `no-restricted-syntax` keeps this. */
export const NO_EXPORT_ALL = {
  selector: 'ExportAllDeclaration',
  message: 'Use explicit named exports (public API is on purpose).',
};

/** The package by its own name: from src/ that loads the built dist/, a second copy of the code. */
const SELF_IMPORT = {
  group: ['ai-agent-gateway', 'ai-agent-gateway/*'],
  message: 'Import the module by its relative path: the package by its own name is the built dist/.',
};

/**
 * `import('<up><dir>/...')` of a forbidden directory, or of an entry file at the root of src/:
 * `no-restricted-imports` does not see dynamic imports. (esquery regexes cannot hold a slash,
 * hence `\x2F`.)
 * @param {number} up how many directories the import climbs
 * @param {readonly string[]} forbidden the directories it must not reach
 */
const dynamicImportSelector = (up, forbidden) => {
  const climb = '\\.\\.\\x2F'.repeat(up);
  return `ImportExpression[source.value=/^${climb}((${forbidden.join('|')})\\x2F|[^\\x2F]+\\.js$)/]`;
};

/** How deep below src/<layer>/ the deepest source file sits (src/server/chat/x.ts is depth 2). */
const MAX_DEPTH = 5;

/**
 * One config block per layer and directory depth: relative imports are matched as written, so
 * `../../server/x.js` is forbidden from src/tools/mcp/ while `./server/...` inside a layer is not.
 * @returns {import('eslint').Linter.Config[]}
 */
export function layerConfigs() {
  return layers.flatMap((layer) => {
    const forbidden = allDirectories.filter((name) => name !== layer.name && !layer.may.includes(name));
    return Array.from({ length: MAX_DEPTH }, (_, index) => {
      const depth = index + 1;
      const up = '../'.repeat(depth);
      const patterns = [
        {
          group: [...forbidden.map((name) => `${up}${name}/**`), `${up}*.js`],
          message:
            `Dependencies point inward: src/${layer.name} may import ` +
            `${layer.may.length === 0 ? 'only itself' : layer.may.join(', ')} (see eslint.layers.js).`,
        },
      ];
      const packages = forbiddenPackages[layer.name];
      if (packages !== undefined) patterns.push(packages);
      patterns.push(SELF_IMPORT);
      const message =
        `Dependencies point inward, dynamic imports too: src/${layer.name} may import ` +
        `${layer.may.length === 0 ? 'only itself' : layer.may.join(', ')} (see eslint.layers.js).`;
      return {
        files: [`src/${layer.name}/${'*/'.repeat(index)}*.ts`],
        ignores: ['**/*.test.ts', '**/__fixtures__/**'],
        rules: {
          'no-restricted-imports': ['error', { patterns }],
          'no-restricted-syntax': [
            'error',
            NO_EXPORT_ALL,
            { selector: dynamicImportSelector(depth, forbidden), message },
            { selector: 'ImportExpression[source.value=/^ai-agent-gateway/]', message: SELF_IMPORT.message },
          ],
        },
      };
    });
  });
}
