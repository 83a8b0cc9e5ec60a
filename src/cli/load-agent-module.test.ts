import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayApp } from '../server/gateway-app.js';
import { loadAgentModule } from './load-agent-module.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./__fixtures__/${name}`, import.meta.url));

describe('loadAgentModule', () => {
  const opened: GatewayApp[] = [];
  const temporary: string[] = [];

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((app) => app.close()));
    await Promise.all(temporary.splice(0).map((path) => rm(path, { recursive: true, force: true })));
  });

  const health = async (app: GatewayApp): Promise<unknown> =>
    (await app.fetch(new Request('http://cli.test/api/health'))).json();

  it('returns the default export of a TypeScript agent module, resolved against cwd', async () => {
    const app = await loadAgentModule('examples/01-minimal/agent.ts', repositoryRoot);
    opened.push(app);
    expect(await health(app)).toEqual({ status: 'ok' });
  });

  it('names the agent file and line when the module throws while loading', async () => {
    const error = await loadAgentModule(fixture('throwing-agent.ts')).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      // The exact line needs Node's source maps, which Vitest replaces: serve-command.test.ts checks it.
      /^src\/cli\/__fixtures__\/throwing-agent\.ts:\d+:\d+: Cannot read properties of undefined \(reading 'maxTurns'\)$/,
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect((error as Error).stack).toContain('throwing-agent.ts');
  });

  it('names the file with its folder, as typed relative to the working directory', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'load-agent-'));
    temporary.push(directory);
    await mkdir(join(directory, 'm'));
    await writeFile(join(directory, 'package.json'), '{"type":"module"}');
    await writeFile(
      join(directory, 'm', 'typo.ts'),
      'const limits = {};\nexport default (limits as { max: { turns: number } }).max.turns;\n',
    );
    const error = await loadAgentModule('m/typo.ts', directory).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect((error as Error).message).toMatch(/^m\/typo\.ts:\d+:\d+: Cannot read properties of undefined/);
  });

  it('falls back to an export named app', async () => {
    const app = await loadAgentModule(fixture('named-app-agent.ts'));
    opened.push(app);
    expect(await health(app)).toEqual({ status: 'ok' });
  });

  it('says what the module exports when none of them is a gateway app', async () => {
    await expect(loadAgentModule(fixture('no-app-agent.ts'))).rejects.toThrow(
      /must export a gateway app \(from createAgent or createGatewayApp\) as its default export or as `app`; its exports are: .*systemPrompt/,
    );
  });

  it('names the missing file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'load-agent-'));
    temporary.push(directory);
    await expect(loadAgentModule('missing.ts', directory)).rejects.toThrow(
      `Agent module not found: ${join(directory, 'missing.ts')}`,
    );
  });

  it('loads a plain JavaScript module', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'load-agent-'));
    temporary.push(directory);
    await writeFile(
      join(directory, 'agent.mjs'),
      'export const app = { fetch: async () => new Response("hi"), listen: async () => ({}), close: async () => {} };\n',
    );
    const app = await loadAgentModule('agent.mjs', directory);
    expect(await (await app.fetch(new Request('http://cli.test/'))).text()).toBe('hi');
  });

  it('finds the app of a .ts module compiled as CommonJS (a package without "type": "module")', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'load-agent-'));
    temporary.push(directory);
    await writeFile(
      join(directory, 'agent.ts'),
      'export default { fetch: async () => new Response("cjs"), listen: async () => ({}), close: async () => {} };\n',
    );
    const app = await loadAgentModule('agent.ts', directory);
    expect(await (await app.fetch(new Request('http://cli.test/'))).text()).toBe('cjs');
  });

  it('loads a CommonJS agent file that imports an ES-module-only package (tsx bridges the two)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'load-agent-'));
    temporary.push(directory);
    // Shaped like ai-agent-gateway: an `exports` map with an `import` condition only.
    const library = join(directory, 'node_modules', 'esm-only-library');
    await mkdir(library, { recursive: true });
    await writeFile(
      join(library, 'package.json'),
      JSON.stringify({
        name: 'esm-only-library',
        type: 'module',
        exports: { '.': { import: './index.js' } },
      }),
    );
    await writeFile(join(library, 'index.js'), 'export const value = 1;\n');
    await writeFile(
      join(directory, 'agent.ts'),
      "import { value } from 'esm-only-library';\n" +
        'export default { fetch: async () => new Response(`esm ${value}`), listen: async () => ({}), close: async () => {} };\n',
    );
    const app = await loadAgentModule('agent.ts', directory);
    expect(await (await app.fetch(new Request('http://cli.test/'))).text()).toBe('esm 1');
  });
});
