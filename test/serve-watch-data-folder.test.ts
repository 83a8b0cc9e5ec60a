import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from './helpers/embedded-postgres.js';
import {
  chatOnce,
  linkDependencies,
  listeningUrl,
  runInProject,
  stubEnvironment,
} from './helpers/template-project.js';
import { waitFor } from './helpers/wait-for.js';

const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const listenings = (output: string): number => output.match(/agent-gateway listening on/g)?.length ?? 0;

describe.skipIf(unavailable !== undefined)('serve --watch run from the agent’s own folder', () => {
  it('restarts once per edit of the agent module, not on the embedded database’s writes', async () => {
    const project = cleanup.add(await reachableTempFolder('serve-watch-data-'), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'serve-watch',
        private: true,
        type: 'module',
        dependencies: { 'ai-agent-gateway': '*' },
      }),
    );
    const agentFile = join(project, 'agent.ts');
    await writeFile(
      agentFile,
      `import { createAgent } from 'ai-agent-gateway';\nexport default createAgent({ systemPrompt: 'v1' });\n`,
    );
    await linkDependencies(project);
    // The default database: embedded, in ./.agent-gateway/data, inside the watched folder.
    const serve = runInProject(
      project,
      join(project, 'node_modules', '.bin', 'agent-gateway'),
      ['serve', 'agent.ts', '--port', '0', '--watch'],
      stubEnvironment(),
    );
    cleanup.add(serve, (each) => each.stop());
    const url = await listeningUrl(serve);
    // A chat commits to the database: its data folder changes under the agent's folder.
    expect(await chatOnce(url)).toContain('stream_complete');

    await writeFile(agentFile, `${await readFile(agentFile, 'utf8')}// edited\n`);
    await waitFor(() => (listenings(serve.output()) >= 2 ? true : undefined), {
      timeoutMs: 120_000,
      description: 'the gateway listening again after the edit',
    });
    const second = [...serve.output().matchAll(/agent-gateway listening on (http:\/\/[^\s"]+)/g)].at(-1)?.[1];
    // The restarted gateway serves, and its own start-up and this chat's writes restarted nothing.
    expect(await chatOnce(String(second))).toContain('stream_complete');
    expect(serve.output().match(/^Restarting /gm), serve.output()).toHaveLength(1);
    expect(listenings(serve.output())).toBe(2);
  }, 240_000);
});
