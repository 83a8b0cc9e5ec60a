import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';
import { postgresProcessesOf, processesOfGroup, processGroupsUnder } from './helpers/process-tree.js';
import {
  linkDependencies,
  listeningUrl,
  runInProject,
  stubEnvironment,
  type ScriptProcess,
} from './helpers/template-project.js';
import { waitFor } from './helpers/wait-for.js';

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** npm without the network: the bin is in node_modules, nothing is looked up or reported. */
const offlineNpm = {
  npm_config_offline: 'true',
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
};

/** A project with the package installed (linked) and a one-file agent on the default database. */
async function projectWithAgent(): Promise<string> {
  const project = cleanup.add(await reachableTempFolder('serve-tree-'), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'serve-tree',
      private: true,
      type: 'module',
      scripts: { start: 'agent-gateway serve agent.ts --port 0' },
      dependencies: { 'ai-agent-gateway': '*' },
    }),
  );
  await writeFile(
    join(project, 'agent.ts'),
    `import { createAgent } from 'ai-agent-gateway';
export default createAgent({ systemPrompt: 'You answer in one word.' });
`,
  );
  await linkDependencies(project);
  return project;
}

/**
 * Starts `command` in `project` (its own process group), waits until the gateway listens and
 * its embedded PostgreSQL runs, sends SIGTERM to that outermost process only, and resolves once
 * every group under it (the re-executed `serve` leads one of its own) and every PostgreSQL
 * process of the data folder are gone (rejects after 60 s,
 * a bound for a hang on a loaded machine, naming what is left).
 */
async function stopsWhole(project: string, command: string, args: readonly string[]): Promise<ScriptProcess> {
  const started = runInProject(project, command, args, { ...stubEnvironment(), ...offlineNpm });
  cleanup.add(started, (each) => each.stop());
  await listeningUrl(started);
  const cluster = join(project, '.agent-gateway', 'data', 'postgres');
  expect(existsSync(join(cluster, 'postmaster.pid')), started.output()).toBe(true);
  expect(postgresProcessesOf(cluster).length).toBeGreaterThan(0);
  const group = started.child.pid as number;
  const groups = processGroupsUnder(group);
  expect(groups.flatMap(processesOfGroup).length).toBeGreaterThan(1);
  process.kill(group, 'SIGTERM');
  await waitFor(
    () => {
      const left = [...groups.flatMap(processesOfGroup), ...postgresProcessesOf(cluster)];
      return left.length === 0 ? true : undefined;
    },
    { timeoutMs: 60_000, description: `nothing left of ${command} ${args.join(' ')}` },
  );
  return started;
}

/**
 * What the gateway says once npm's shell is gone: the gateway itself noticed, or the parent that
 * re-executed it under `--no-allocation-site-pretenuring` noticed and passed SIGTERM on.
 */
const launcherGoneLine = /the npm process that started the gateway exited|SIGTERM received/;

describe.skipIf(unavailable !== undefined)('serve stops whole on SIGTERM to the outermost process', () => {
  it('the production command (the installed bin, run directly) leaves nothing behind', async () => {
    const project = await projectWithAgent();
    const started = await stopsWhole(project, './node_modules/.bin/agent-gateway', [
      'serve',
      'agent.ts',
      '--port',
      '0',
    ]);
    expect(await started.exited).toBe(0);
  }, 180_000);

  it('npx agent-gateway serve leaves nothing behind though npm passes the signal to its shell only', async () => {
    const project = await projectWithAgent();
    const started = await stopsWhole(project, 'npx', ['agent-gateway', 'serve', 'agent.ts', '--port', '0']);
    expect(started.output()).toMatch(launcherGoneLine);
  }, 180_000);

  it('npm start leaves nothing behind though npm passes the signal to its shell only', async () => {
    const project = await projectWithAgent();
    const started = await stopsWhole(project, 'npm', ['start']);
    expect(started.output()).toMatch(launcherGoneLine);
  }, 180_000);
});
