import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { layerConfigs, serverLayers } from '../eslint.layers.js';

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

  it('fails a sibling layer: the live stores and the database importing each other', () => {
    expect(
      layeringErrors(
        'src/stores/memory/example.ts',
        "import { x } from '../../database/memory/memory-page.js';",
      ),
    ).toEqual([expect.stringContaining('src/stores may import core')]);
    expect(
      layeringErrors('src/database/sql/example.ts', "import { x } from '../../stores/bus-subscription.js';"),
    ).toEqual([expect.stringContaining('src/database may import core')]);
    expect(
      layeringErrors(
        'src/server/database/example.ts',
        "import { x } from '../../database/carried-stores.js';",
      ),
    ).toEqual([]);
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
    expect(
      layeringErrors('src/server/chat/example.ts', "import { x } from '../contracts/gateway-config.js';"),
    ).toEqual([]);
  });

  it('leaves tests and fixtures free to import any layer', () => {
    const source = "import { x } from '../testing/scripted-provider.js';";
    expect(layeringErrors('src/agent/example.test.ts', source)).toEqual([]);
    expect(
      layeringErrors('src/agent/__fixtures__/example.ts', "import { x } from '../../testing/a.js';"),
    ).toEqual([]);
  });
});

describe('the inner layers of src/server enforced by lint', () => {
  it('names every folder of src/server in a layer', () => {
    const folders = readdirSync(`${repoRoot}src/server`, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(serverLayers.map((layer) => layer.name).sort()).toEqual(folders.sort());
  });

  it('fails a folder that imports one above it, at any depth', () => {
    expect(
      layeringErrors('src/server/contracts/example.ts', "import { x } from '../chat/session-runs.js';"),
    ).toEqual([expect.stringContaining('src/server/contracts may import connections, database')]);
    expect(
      layeringErrors('src/server/pending-answers/example.ts', "import { x } from '../chat/session-runs.js';"),
    ).toEqual([expect.stringContaining('src/server/pending-answers may import')]);
    expect(
      layeringErrors('src/server/chat/example.ts', "import { x } from '../protocols/held-runs.js';"),
    ).toHaveLength(1);
    expect(
      layeringErrors(
        'src/server/protocols/a2a/example.ts',
        "import { x } from '../../routes/run-actions.js';",
      ),
    ).toHaveLength(1);
  });

  it('fails a sibling on the same level: metrics importing sse', () => {
    expect(
      layeringErrors('src/server/metrics/example.ts', "import { x } from '../sse/sse-stream.js';"),
    ).toHaveLength(1);
  });

  it('fails a folder that imports the composition, statically or dynamically', () => {
    expect(
      layeringErrors('src/server/routes/example.ts', "import { x } from '../create-gateway-app.js';"),
    ).toEqual([expect.stringContaining('src/server/routes may import')]);
    expect(
      layeringErrors('src/server/chat/example.ts', "export const load = () => import('../listen.js');"),
    ).toEqual([expect.stringContaining('dynamic imports too: src/server/chat may import')]);
  });

  it('fails the composition importing createAgent, and keeps the outer rules inside src/server', () => {
    expect(
      layeringErrors('src/server/example.ts', "import { createAgent } from './assembly/create-agent.js';"),
    ).toEqual([expect.stringContaining('the composition (src/server/*.ts) may import')]);
    expect(
      layeringErrors('src/server/chat/example.ts', "import { x } from '../../headless/run-autonomous.js';"),
    ).toEqual([expect.stringContaining('src/server may import core')]);
    expect(layeringErrors('src/server/chat/example.ts', "import { x } from '../../index.js';")).toHaveLength(
      1,
    );
  });

  it('allows imports that point down', () => {
    expect(
      layeringErrors('src/server/chat/example.ts', "import { x } from '../pending-answers/suspender-of.js';"),
    ).toEqual([]);
    expect(
      layeringErrors(
        'src/server/protocols/a2a/example.ts',
        "import { x } from '../../chat/session-runs.js';",
      ),
    ).toEqual([]);
    expect(
      layeringErrors('src/server/assembly/example.ts', "import { x } from '../create-gateway-app.js';"),
    ).toEqual([]);
    expect(
      layeringErrors('src/server/example.ts', "import { x } from './routes/gateway-routes.js';"),
    ).toEqual([]);
    expect(
      layeringErrors('src/server/chat/example.test.ts', "import { x } from '../create-gateway-app.js';"),
    ).toEqual([]);
  });
});
