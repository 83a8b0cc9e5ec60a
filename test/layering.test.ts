import { fileURLToPath } from 'node:url';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerConfigs } from '../eslint.layers.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The messages the layering rules report for `source` placed at `file` (relative to the repo). */
function layeringErrors(file: string, source: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: repoRoot });
  const config: Linter.Config[] = [
    { files: ['**/*.ts'], languageOptions: { ecmaVersion: 'latest', sourceType: 'module' } },
    ...layerConfigs(),
  ];
  return linter.verify(source, config, { filename: `${repoRoot}${file}` }).map((message) => message.message);
}

describe('import layering enforced by lint', () => {
  it('fails an agent-layer file that imports the server', () => {
    const errors = layeringErrors('src/agent/example.ts', "import { x } from '../server/gateway-config.js';");
    expect(errors).toEqual([expect.stringContaining('src/agent may import core, providers, stores')]);
  });

  it('fails an import that climbs to the entry files at the root of src/', () => {
    expect(layeringErrors('src/tools/mcp/example.ts', "import { tool } from '../../index.js';")).toHaveLength(
      1,
    );
  });

  it('fails the core importing a provider or a node: module', () => {
    expect(
      layeringErrors('src/core/example.ts', "import { p } from '../providers/resolve-provider.js';"),
    ).toHaveLength(1);
    expect(layeringErrors('src/core/example.ts', "import { readFile } from 'node:fs/promises';")).toEqual([
      expect.stringContaining('contracts only'),
    ]);
  });

  it('fails a sibling layer: headless importing the server', () => {
    expect(
      layeringErrors('src/headless/example.ts', "import { x } from '../server/gateway-app.js';"),
    ).toHaveLength(1);
  });

  it('fails production code that imports the testing helpers, at any depth', () => {
    const source = "import { createScriptedProvider } from '../../testing/scripted-provider.js';";
    expect(layeringErrors('src/server/chat/example.ts', source)).toHaveLength(1);
  });

  it('fails a dynamic import of an outer layer or of an entry file', () => {
    expect(
      layeringErrors('src/tools/example.ts', "export const load = () => import('../server/gateway-app.js');"),
    ).toEqual([expect.stringContaining('dynamic imports too: src/tools may import')]);
    expect(
      layeringErrors('src/tools/mcp/example.ts', "export const load = () => import('../../index.js');"),
    ).toHaveLength(1);
    expect(
      layeringErrors(
        'src/tools/mcp/example.ts',
        "export async function load() { return await import('../../server/gateway-app.js'); }",
      ),
    ).toEqual([expect.stringContaining('dynamic imports too: src/tools may import')]);
    expect(
      layeringErrors('src/server/example.ts', "export const load = () => import('../stores/redis/x.js');"),
    ).toEqual([]);
  });

  it('fails production code that imports the package by its own name, statically or dynamically', () => {
    expect(layeringErrors('src/agent/example.ts', "import { createAgent } from 'ai-agent-gateway';")).toEqual(
      [expect.stringContaining('relative path')],
    );
    expect(
      layeringErrors('src/agent/example.ts', "export const load = () => import('ai-agent-gateway/testing');"),
    ).toEqual([expect.stringContaining('relative path')]);
  });

  it('allows imports that point inward', () => {
    expect(
      layeringErrors('src/tools/mcp/example.ts', "import { x } from '../../agent/event-log.js';"),
    ).toEqual([]);
    expect(layeringErrors('src/cli/example.ts', "import { x } from '../server/gateway-app.js';")).toEqual([]);
    expect(layeringErrors('src/server/chat/example.ts', "import { x } from '../gateway-config.js';")).toEqual(
      [],
    );
  });

  it('leaves tests and fixtures free to import any layer', () => {
    const source = "import { x } from '../testing/scripted-provider.js';";
    expect(layeringErrors('src/agent/example.test.ts', source)).toEqual([]);
    expect(
      layeringErrors('src/agent/__fixtures__/example.ts', "import { x } from '../../testing/a.js';"),
    ).toEqual([]);
  });
});
