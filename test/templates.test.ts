import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTemplate, runInitCommand, templateList } from '../src/cli/init-command.js';
import { TEMPLATES } from '../src/cli/templates.js';
import {
  chatOnce,
  linkDependencies,
  listeningUrl,
  repositoryRoot,
  runScript,
  stubEnvironment,
  type ScriptProcess,
} from './helpers/template-project.js';
import { startRedisServer, type RedisServerProcess } from './redis/helpers/start-redis-server.js';
import { reachableTempFolder } from './helpers/embedded-postgres.js';

let workspace: string;
const running: ScriptProcess[] = [];

beforeAll(async () => {
  // Reachable by the embedded PostgreSQL server's account when the tests run as root, as a
  // user's project folder is: a 0700 folder would make every template fall back to PGlite.
  workspace = await reachableTempFolder('agent-gateway-init-');
  if (!existsSync(join(repositoryRoot, 'dist', 'cli', 'main.js'))) {
    throw new Error('templates run against the built package: run `npm run build` first');
  }
});
afterAll(async () => {
  await Promise.all(running.splice(0).map((script) => script.stop()));
  await rm(workspace, { recursive: true, force: true });
});

/** `agent-gateway init <name> <dir>` into the workspace, with the output it printed. */
const init = async (name: string, folder = name): Promise<{ project: string; printed: string }> => {
  const project = join(workspace, folder);
  const lines: string[] = [];
  expect(await runInitCommand({ template: name, directory: project, log: (line) => lines.push(line) })).toBe(
    0,
  );
  return { project, printed: lines.join('\n') };
};

const filesOf = async (project: string): Promise<string[]> =>
  (await readdir(project, { recursive: true })).filter((file) => !file.startsWith('node_modules'));

describe('agent-gateway init', () => {
  it('lists every template, the required ones included, when no template is given', async () => {
    const lines: string[] = [];
    expect(await runInitCommand({ log: (line) => lines.push(line) })).toBe(0);
    expect(lines.join('\n')).toBe(templateList());
    for (const name of [
      'approvals',
      'mcp',
      'code-execution',
      'skills',
      'headless-cron',
      'heartbeat',
      'use-chat',
      'redis-balancer',
    ]) {
      expect(templateList()).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
  });

  it('names the closest template for a misspelt one, and refuses a folder that is not empty', async () => {
    expect(() => findTemplate('aprovals')).toThrow("unknown template 'aprovals' — did you mean 'approvals'?");
    const taken = join(workspace, 'taken');
    await init('minimal').then(({ project }) => writeFile(join(project, 'keep.txt'), 'x'));
    await expect(
      runInitCommand({ template: 'minimal', directory: join(workspace, 'minimal') }),
    ).rejects.toThrow(/exists and is not empty/);
    expect(existsSync(taken)).toBe(false);
  });

  it.each(TEMPLATES.map((template) => template.name))(
    'makes a project of its own from %s: no tests or fixtures, local paths, its dependencies',
    async (name) => {
      const project = join(workspace, `shape-${name}`);
      await runInitCommand({ template: name, directory: project, log: () => {} });
      const files = await filesOf(project);
      expect(files.filter((file) => /\.test\.tsx?$|__fixtures__/.test(file))).toEqual([]);
      const manifest = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as {
        type: string;
        scripts: Record<string, string>;
        dependencies: Record<string, string>;
      };
      expect(manifest.type).toBe('module');
      expect(manifest.scripts.start).toBeDefined();
      expect(Object.keys(manifest.dependencies)).toContain('ai-agent-gateway');
      for (const file of files.filter((entry) => /\.(md|ts|tsx)$/.test(entry))) {
        expect(await readFile(join(project, file), 'utf8')).not.toContain(
          `examples/${findTemplate(name).directory}/`,
        );
      }
    },
  );
});

/** Starts `npm start -- --port 0` in a fresh project of `name` and resolves with its URL. */
const serveTemplate = async (name: string, env: NodeJS.ProcessEnv = {}): Promise<string> => {
  const { project } = await init(name, `run-${name}`);
  await linkDependencies(project);
  const script = runScript(project, 'start', ['--port', '0'], stubEnvironment(env));
  running.push(script);
  return listeningUrl(script);
};

describe('every template runs as written', { timeout: 120_000 }, () => {
  it.each(['minimal', 'approvals', 'local-tools', 'mcp', 'code-execution', 'skills', 'multi-provider'])(
    '%s: npm start serves the agent and a chat completes',
    async (name) => {
      const url = await serveTemplate(name);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
      expect(await chatOnce(url)).toContain('"type":"stream_complete"');
    },
  );

  it('full-production: npm start serves the createGatewayApp agent behind its API key', async () => {
    const url = await serveTemplate('full-production', { DATA_DIR: join(workspace, 'production-data') });
    expect(await chatOnce(url, 'demo-key')).toContain('"type":"stream_complete"');
  });

  it('use-chat: npm start serves the agent and npm run build:web builds the React page', async () => {
    const url = await serveTemplate('use-chat');
    expect(await chatOnce(url)).toContain('"type":"stream_complete"');
    const project = join(workspace, 'run-use-chat');
    const build = runScript(project, 'build:web', [], stubEnvironment());
    running.push(build);
    expect(await build.exited).toBe(0);
    expect(existsSync(join(project, 'web', 'dist', 'index.html'))).toBe(true);
  });

  it('headless-cron: npm start runs once, writes its state and exits 0', async () => {
    const { project } = await init('headless-cron', 'run-headless-cron');
    await linkDependencies(project);
    const stateDir = join(workspace, 'cron-state');
    const script = runScript(project, 'start', [], stubEnvironment({ STATE_DIR: stateDir }));
    running.push(script);
    expect(await script.exited).toBe(0);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(true);
  });

  it('heartbeat: npm start ticks, reports each tick and keeps its state', async () => {
    const { project } = await init('heartbeat', 'run-heartbeat');
    await linkDependencies(project);
    const stateDir = join(workspace, 'heartbeat-state');
    const env = stubEnvironment({ STATE_DIR: stateDir, MAX_TICKS: '2', INTERVAL_MS: '10' });
    const script = runScript(project, 'start', [], env);
    running.push(script);
    expect(await script.exited).toBe(0);
    expect(script.output()).toMatch(/tick 1: ALERT[\s\S]*tick 2: ALERT/);
    const state = JSON.parse(await readFile(join(stateDir, 'heartbeat_state.json'), 'utf8')) as {
      tick_count: number;
    };
    expect(state.tick_count).toBe(2);
  });

  describe('redis-balancer', () => {
    let redis: RedisServerProcess | undefined;
    afterAll(async () => redis?.stop());

    it('two instances share a session through Redis, and the HAProxy file is valid', async () => {
      redis = await startRedisServer();
      const env = { REDIS_URL: redis.url, JWT_SECRET: 'a'.repeat(64) };
      const { project } = await init('redis-balancer', 'run-redis-balancer');
      await linkDependencies(project);
      const first = runScript(project, 'start', ['--port', '0'], stubEnvironment(env));
      const second = runScript(project, 'start', ['--port', '0'], stubEnvironment(env));
      running.push(first, second);
      const [a, b] = await Promise.all([listeningUrl(first), listeningUrl(second)]);
      expect(await chatOnce(a, 'local-demo-key', b)).toContain('"type":"stream_complete"');
      const haproxy = existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy';
      const check = spawnSync(haproxy, ['-c', '-f', join(project, 'haproxy.cfg')], { encoding: 'utf8' });
      if (check.error === undefined) expect(check.status, check.stderr).toBe(0);
    });
  });
});
