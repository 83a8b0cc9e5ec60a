import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackage, packPackage } from './__fixtures__/install-packed-package.js';
import { reachableTempFolder } from '../test/helpers/embedded-postgres.js';

/**
 * Runs the README's quickstart as a user would: the package as `npm pack` ships it, installed in
 * an empty folder with only its declared dependencies, agent.ts importing it by name, the serve
 * command through `npx` and the curl commands exactly as written, then compares the stream with
 * the sample output in the README. On Node 20, which cannot run TypeScript by itself, this is
 * what proves the CLI loads `agent.ts` with what the install line installs.
 */

const execFileAsync = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const README = join(repositoryRoot, 'README.md');

interface CodeBlock {
  language: string;
  code: string;
}

/** The fenced code blocks between `## Quickstart` and the next second-level heading. */
const quickstartBlocks = (markdown: string): CodeBlock[] => {
  const start = markdown.indexOf('\n## Quickstart');
  if (start === -1) throw new Error('README.md has no "## Quickstart" section');
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```$/gm)].map((match) => ({
    language: match[1] ?? '',
    code: match[2] ?? '',
  }));
};

/** The newest modification time of the library sources that end up in `dist/`. */
const newestSourceTime = (directory: string): number => {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== '__fixtures__') newest = Math.max(newest, newestSourceTime(path));
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
};

/** Builds `dist/` when it is missing or older than the sources (a fresh clone builds on install). */
const ensureFreshBuild = async (): Promise<void> => {
  const built = join(repositoryRoot, 'dist', 'index.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestSourceTime(join(repositoryRoot, 'src'))) return;
  try {
    await execFileAsync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repositoryRoot });
  } catch (error) {
    // tsc still emits when another part of the tree has type errors; the run below shows
    // whether what was emitted works. Type errors are the typecheck step's business.
    const output =
      typeof error === 'object' && error !== null && 'stdout' in error ? String(error.stdout) : '';
    console.warn(`dist/ was rebuilt with type errors elsewhere in the tree:\n${output.slice(0, 2000)}`);
  }
};

/** Environment without provider credentials, so the stub reply is what comes back. */
const stubEnvironment = (): NodeJS.ProcessEnv => {
  const environment = { ...process.env };
  for (const name of Object.keys(environment)) {
    if (name.startsWith('ANTHROPIC_') || name.startsWith('OPENAI_')) delete environment[name];
  }
  return environment;
};

/** Resolves with the first `http://…` URL the server prints. */
const waitForUrl = (child: ChildProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1] !== undefined) {
        child.stdout?.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`server exited (${String(code)}) before listening:\n${output}`)),
    );
  });

const waitForExit = (child: ChildProcess): Promise<number | null> =>
  new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
  });

describe('README quickstart', () => {
  let temporaryRoot = '';
  let server: ChildProcess | undefined;
  let packed: Awaited<ReturnType<typeof packPackage>> | undefined;

  beforeAll(async () => {
    await ensureFreshBuild();
    packed = await packPackage(repositoryRoot);
    temporaryRoot = await reachableTempFolder('readme-quickstart-');
  }, 180_000);

  afterAll(async () => {
    if (server !== undefined && server.exitCode === null) server.kill('SIGKILL');
    await rm(temporaryRoot, { recursive: true, force: true });
    await packed?.remove();
  });

  it('serves agent.ts with the documented command and streams the documented output', async () => {
    const blocks = quickstartBlocks(await readFile(README, 'utf8'));
    const installCommands = blocks.filter((block) => block.code.includes('npm install ai-agent-gateway'));
    const agentSource = blocks.filter((block) => block.language === 'ts');
    const serveCommands = blocks.filter((block) => block.code.includes('agent-gateway serve'));
    const curlCommands = blocks.filter((block) => block.code.includes('curl '));
    const sampleOutput = blocks.filter((block) => block.language === 'text' && block.code.includes('data:'));
    const steps = new Set([
      ...installCommands,
      ...agentSource,
      ...serveCommands,
      ...curlCommands,
      ...sampleOutput,
    ]);
    expect(installCommands).toHaveLength(1);
    expect(agentSource).toHaveLength(1);
    expect(serveCommands.map((block) => block.code.trim())).toEqual(['npx agent-gateway serve agent.ts']);
    expect(curlCommands).toHaveLength(2);
    expect(sampleOutput).toHaveLength(1);
    // The only other block is the optional key, which this test must not set.
    for (const block of blocks.filter((candidate) => !steps.has(candidate))) {
      expect(block.code.trim()).toMatch(/^export ANTHROPIC_API_KEY=\S*$/);
    }

    // The install step as written, except that the registry download becomes the packed tarball
    // with its declared dependencies (what `npm install ai-agent-gateway` puts in node_modules).
    const installScript = installCommands[0]?.code ?? '';
    await execFileAsync(
      'bash',
      ['-c', `set -euo pipefail\n${installScript.replace('npm install ai-agent-gateway', 'true')}`],
      { cwd: temporaryRoot },
    );
    const workDirectory = join(temporaryRoot, /\bcd (\S+)/.exec(installScript)?.[1] ?? '.');
    await installPackedPackage({
      tarball: packed?.tarball ?? '',
      projectDirectory: workDirectory,
      repositoryRoot,
    });
    await writeFile(join(workDirectory, 'agent.ts'), agentSource[0]?.code ?? '');
    // The serve command as written, with `npx agent-gateway` spelled as the installed bin npx runs
    // (so that SIGTERM reaches the server itself); PORT=0 picks a free port.
    const serveCommand = (serveCommands[0]?.code.trim() ?? '').replace(/^npx /, './node_modules/.bin/');
    server = spawn('bash', ['-c', `exec ${serveCommand}`], {
      cwd: workDirectory,
      env: { ...stubEnvironment(), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await waitForUrl(server);

    const script = ['set -euo pipefail', ...curlCommands.map((block) => block.code)]
      .join('\n')
      .replaceAll('http://127.0.0.1:8000', url);
    const { stdout } = await execFileAsync('bash', ['-c', script], {
      cwd: workDirectory,
      env: stubEnvironment(),
    });

    // Run ids are random: compare every `id: <run>:<seq>` with the run part masked.
    const normalise = (text: string): string =>
      text
        .replace(/\r\n/g, '\n')
        .replace(/^id: [0-9a-f]{36}:/gm, 'id: <run>:')
        .trim();
    expect(normalise(stdout)).toBe(normalise(sampleOutput[0]?.code ?? ''));

    server.kill('SIGTERM');
    expect(await waitForExit(server)).toBe(0);
  }, 180_000);
});
