import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (the package the templates depend on). */
export const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Gives a project made by `agent-gateway init` the node_modules `npm install` would: this
 * package (its built dist/) and each dependency of the project's package.json, linked from the
 * repository's own install, with their bins. No network.
 */
export async function linkDependencies(project: string): Promise<void> {
  const manifest = JSON.parse(await readFile(join(project, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const modules = join(project, 'node_modules');
  await mkdir(join(modules, '.bin'), { recursive: true });
  for (const name of Object.keys(manifest.dependencies)) {
    const target = name === 'ai-agent-gateway' ? repositoryRoot : join(repositoryRoot, 'node_modules', name);
    await mkdir(dirname(join(modules, name)), { recursive: true });
    await symlink(target, join(modules, name));
  }
  const bins: Record<string, string> = {
    'agent-gateway': join(repositoryRoot, 'bin', 'agent-gateway.js'),
    tsx: join(repositoryRoot, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    vite: join(repositoryRoot, 'node_modules', 'vite', 'bin', 'vite.js'),
    'mcp-server-filesystem': join(
      repositoryRoot,
      'node_modules',
      '@modelcontextprotocol',
      'server-filesystem',
      'dist',
      'index.js',
    ),
  };
  for (const [bin, target] of Object.entries(bins)) await symlink(target, join(modules, '.bin', bin));
}

/** Environment without provider credentials or a port: every answer is the stub reply. */
export const stubEnvironment = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const environment: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(environment)) {
    if (/^(ANTHROPIC_|OPENAI_)/.test(name) || name === 'PORT' || name.startsWith('npm_'))
      delete environment[name];
  }
  return environment;
};

/** An npm script started in a project, in its own process group. */
export interface ScriptProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Stops the script and everything it started. */
  stop(): Promise<void>;
}

/** `npm run <script> -- <args>` in `project`, as a person would type it. */
export function runScript(
  project: string,
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): ScriptProcess {
  return runInProject(
    project,
    'npm',
    ['run', '--silent', script, ...(args.length > 0 ? ['--', ...args] : [])],
    env,
  );
}

/** `command` with `args` in `project`, in a process group of its own (its pid is the group's). */
export function runInProject(
  project: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): ScriptProcess {
  const child = spawn(command, args, {
    cwd: project,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      await exited;
    },
  };
}

/** Resolves with the URL `agent-gateway serve` prints; rejects when the script exits first. */
export const listeningUrl = (script: ScriptProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    const check = (): void => {
      const match = /agent-gateway listening on (http:\/\/[^\s"]+)/.exec(script.output());
      if (match?.[1] !== undefined) resolve(match[1]);
    };
    script.child.stdout?.on('data', check);
    script.child.stderr?.on('data', check);
    void script.exited.then((code) =>
      reject(new Error(`exited (${String(code)}) before listening:\n${script.output()}`)),
    );
  });

/** Opens a session and sends one chat; resolves with the SSE body. */
export async function chatOnce(url: string, apiKey = 'local-demo-key', chatUrl = url): Promise<string> {
  const init = await fetch(`${url}/api/chat/init`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: apiKey }),
  });
  if (init.status !== 200) throw new Error(`init answered ${init.status}: ${await init.text()}`);
  const { session_token: token } = (await init.json()) as { session_token: string };
  const chat = await fetch(`${chatUrl}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ messages: [{ role: 'user', content: 'Hello!' }] }),
  });
  return chat.text();
}
