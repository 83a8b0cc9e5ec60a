// @ts-check
/**
 * The layers of src/ and the only directions their imports may point (inward), as ESLint
 * `no-restricted-imports` blocks. A file in a layer may import its own layer and the layers in
 * its `may` list, nothing else: not an outer layer, not `testing/`, not the entry files at the
 * root of src/ (index.ts and the subpath entries). Tests and fixtures are exempt.
 *
 *   core <- providers, stores, database <- budgets, agent <- tools <- agent-spec <- server, headless <- cli
 *
 * `testing/` sits on top (it may import anything; nothing in src/ imports it).
 * src/server has inner layers of its own (`serverLayers` below).
 * docs/architecture.md explains what goes where; test/layering.test.ts proves the rule bites.
 */

/** @type {ReadonlyArray<{ name: string, may: readonly string[] }>} */
export const layers = [
  { name: 'core', may: [] },
  { name: 'providers', may: ['core'] },
  { name: 'stores', may: ['core'] },
  { name: 'database', may: ['core'] },
  { name: 'budgets', may: ['core', 'providers', 'stores', 'database'] },
  { name: 'agent', may: ['core', 'providers', 'stores', 'database'] },
  { name: 'tools', may: ['core', 'providers', 'stores', 'database', 'agent'] },
  { name: 'agent-spec', may: ['core', 'providers', 'stores', 'database', 'agent', 'tools'] },
  {
    name: 'server',
    may: ['core', 'providers', 'stores', 'database', 'budgets', 'agent', 'tools', 'agent-spec'],
  },
  {
    name: 'headless',
    may: ['core', 'providers', 'stores', 'database', 'budgets', 'agent', 'tools', 'agent-spec'],
  },
  {
    name: 'cli',
    may: [
      'core',
      'providers',
      'stores',
      'database',
      'budgets',
      'agent',
      'tools',
      'agent-spec',
      'server',
      'headless',
    ],
  },
];

const allDirectories = [...layers.map((layer) => layer.name), 'testing'];

/** The files at the root of src/server, in a `may` list of `serverLayers`. */
const COMPOSITION = 'the composition';

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
 * The inner layers of src/server, from the foundation up: a folder may import its own files and
 * the folders in its `may` list, nothing else of src/server. The files at the root of src/server
 * are the app's composition (`createGatewayApp`, `listen`, the middleware stack): they may import
 * every folder but `assembly/`, and only `assembly/` (`createAgent`, the composition's public
 * face: an agent spec assembled into the app) imports them. docs/architecture.md says what each folder holds, and draws the same arrows
 * (test/architecture-map.test.ts compares its picture with these lists):
 *
 *   connections, database  <-  contracts  <-  sessions, rate-limit, threads  <-  auth  <-  http
 *       <-  sse, metrics, pending-answers, slack  <-  chat  <-  protocols  <-  routes
 *       <-  the composition  <-  assembly
 *   chat  <-  runs  <-  schedules  <-  routes
 *   schedules  <-  background  <-  the composition
 *   protocols  <-  playground  <-  the composition
 */
/** @type {ReadonlyArray<{ name: string, may: readonly string[] }>} */
export const serverLayers = (() => {
  const foundation = ['connections', 'database', 'contracts'];
  const services = [...foundation, 'sessions', 'rate-limit', 'threads'];
  const transport = [...services, 'auth', 'http'];
  const parts = [...transport, 'sse', 'metrics', 'pending-answers', 'slack'];
  const protocols = [...parts, 'chat', 'protocols'];
  return [
    { name: 'connections', may: [] },
    { name: 'database', may: [] },
    { name: 'contracts', may: ['connections', 'database'] },
    { name: 'sessions', may: foundation },
    { name: 'rate-limit', may: foundation },
    { name: 'threads', may: foundation },
    { name: 'auth', may: services },
    { name: 'http', may: [...services, 'auth'] },
    { name: 'sse', may: transport },
    { name: 'metrics', may: transport },
    { name: 'pending-answers', may: transport },
    { name: 'slack', may: transport },
    { name: 'chat', may: parts },
    { name: 'protocols', may: [...parts, 'chat'] },
    { name: 'runs', may: [...parts, 'chat'] },
    { name: 'schedules', may: [...parts, 'chat', 'runs'] },
    { name: 'background', may: [...parts, 'chat', 'runs', 'schedules'] },
    { name: 'routes', may: [...protocols, 'runs', 'schedules'] },
    { name: 'playground', may: protocols },
    {
      name: 'assembly',
      may: [...protocols, 'runs', 'schedules', 'background', 'routes', 'playground', COMPOSITION],
    },
  ];
})();

/**
 * `import('<climb><dir>/...')` of a forbidden directory, or (with `files`) of a loose file where
 * the import climbs to: `no-restricted-imports` does not see dynamic imports. (esquery regexes
 * cannot hold a slash, hence `\x2F`.)
 * @param {string} climb the relative prefix as written: `./`, `../`, `../../`, ...
 * @param {readonly string[]} forbidden the directories it must not reach
 * @param {boolean} files whether the loose files there are forbidden too
 */
const dynamicImportSelector = (climb, forbidden, files) => {
  const prefix = climb.replaceAll('.', '\\.').replaceAll('/', '\\x2F');
  const targets = [
    ...(forbidden.length > 0 ? [`(${forbidden.join('|')})\\x2F`] : []),
    ...(files ? ['[^\\x2F]+\\.js$'] : []),
  ];
  return `ImportExpression[source.value=/^${prefix}(${targets.join('|')})/]`;
};

/** How deep below src/<layer>/ the deepest source file sits (src/server/chat/x.ts is depth 2). */
const MAX_DEPTH = 5;

/**
 * What one level of layers forbids a file: the directories beside it it may not import, and the
 * loose files at that level unless `files` (the entry files of src/, the composition of
 * src/server) are open to it.
 * @typedef {{ climb: string, forbidden: readonly string[], files: boolean, message: string }} Level
 */

/**
 * The rules of a file under the given levels (outermost first): every level's patterns and
 * dynamic-import selectors, then the layer's forbidden packages and the package's own name.
 * @param {readonly Level[]} levels
 * @param {{ group: string[], message: string } | undefined} packages
 * @returns {import('eslint').Linter.RulesRecord}
 */
function rulesOf(levels, packages) {
  const active = levels.filter((level) => level.forbidden.length > 0 || level.files);
  const patterns = active.map((level) => ({
    group: [
      ...level.forbidden.map((name) => `${level.climb}${name}/**`),
      ...(level.files ? [`${level.climb}*.js`] : []),
    ],
    message: `Dependencies point inward: ${level.message}`,
  }));
  if (packages !== undefined) patterns.push(packages);
  patterns.push(SELF_IMPORT);
  return {
    'no-restricted-imports': ['error', { patterns }],
    'no-restricted-syntax': [
      'error',
      NO_EXPORT_ALL,
      ...active.map((level) => ({
        selector: dynamicImportSelector(level.climb, level.forbidden, level.files),
        message: `Dependencies point inward, dynamic imports too: ${level.message}`,
      })),
      { selector: 'ImportExpression[source.value=/^ai-agent-gateway/]', message: SELF_IMPORT.message },
    ],
  };
}

/**
 * What a layer may import, in words.
 * @param {string} where
 * @param {readonly string[]} may
 */
const mayImport = (where, may) =>
  `${where} may import ${may.length === 0 ? 'only itself' : may.join(', ')} (see eslint.layers.js).`;

/**
 * One config block per layer and directory depth, then one per inner layer of src/server and
 * depth (these repeat the outer rules: a later block's options replace an earlier one's).
 * Relative imports are matched as written, so `../../server/x.js` is forbidden from src/tools/mcp/
 * while `./server/...` inside a layer is not.
 * @returns {import('eslint').Linter.Config[]}
 */
export function layerConfigs() {
  const ignores = ['**/*.test.ts', '**/__fixtures__/**'];
  /** @type {(name: string, depth: number) => Level} */
  const outerLevel = (name, depth) => {
    const layer = layers.find((candidate) => candidate.name === name);
    if (layer === undefined) throw new Error(`no layer ${name}`);
    return {
      climb: '../'.repeat(depth),
      forbidden: allDirectories.filter((other) => other !== name && !layer.may.includes(other)),
      files: true,
      message: mayImport(`src/${name}`, layer.may),
    };
  };
  const outer = layers.flatMap((layer) =>
    Array.from({ length: MAX_DEPTH }, (_, index) => ({
      files: [`src/${layer.name}/${'*/'.repeat(index)}*.ts`],
      ignores,
      rules: rulesOf([outerLevel(layer.name, index + 1)], forbiddenPackages[layer.name]),
    })),
  );
  const serverNames = serverLayers.map((layer) => layer.name);
  const composition = {
    files: ['src/server/*.ts'],
    ignores,
    rules: rulesOf(
      [
        outerLevel('server', 1),
        {
          climb: './',
          forbidden: ['assembly'],
          files: false,
          message: mayImport(
            `${COMPOSITION} (src/server/*.ts)`,
            serverNames.filter((name) => name !== 'assembly'),
          ),
        },
      ],
      forbiddenPackages.server,
    ),
  };
  const inner = serverLayers.flatMap((layer) =>
    Array.from({ length: MAX_DEPTH - 1 }, (_, index) => ({
      files: [`src/server/${layer.name}/${'*/'.repeat(index)}*.ts`],
      ignores,
      rules: rulesOf(
        [
          outerLevel('server', index + 2),
          {
            climb: '../'.repeat(index + 1),
            forbidden: serverNames.filter((name) => name !== layer.name && !layer.may.includes(name)),
            files: !layer.may.includes(COMPOSITION),
            message: mayImport(`src/server/${layer.name}`, layer.may),
          },
        ],
        forbiddenPackages.server,
      ),
    })),
  );
  return [...outer, composition, ...inner];
}
