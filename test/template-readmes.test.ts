import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RENAMED_AGENT_OPTIONS, RENAMED_HEADLESS_OPTIONS } from '../src/agent-spec/renamed-options.js';
import { runInitCommand } from '../src/cli/init-command.js';
import { parseCliArgs } from '../src/cli/parse-cli-args.js';
import { TEMPLATES, type Template } from '../src/cli/templates.js';
import { serverSpecSchema } from '../src/server/contracts/server-spec.js';
import { repositoryRoot } from './helpers/template-project.js';

/*
 * What a person reads first in a project `agent-gateway init` made: its README. Every command
 * there must run (a script the project has, CLI flags the CLI accepts, files that exist), every
 * option it names must be one the code accepts, every variable the project reads must be named,
 * and the project must keep its data and dependencies out of git.
 */

let workspace: string;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'agent-gateway-readmes-'));
});
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
});

interface Project {
  dir: string;
  readme: string;
  scripts: Record<string, string>;
}

const projects = new Map<string, Promise<Project>>();

/** The project `agent-gateway init <template>` makes (once per template). */
const projectOf = (template: Template): Promise<Project> => {
  let project = projects.get(template.name);
  if (project === undefined) {
    project = (async () => {
      const dir = join(workspace, template.name);
      await runInitCommand({ template: template.name, directory: dir, log: () => {} });
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      };
      return { dir, readme: await readFile(join(dir, 'README.md'), 'utf8'), scripts: manifest.scripts };
    })();
    projects.set(template.name, project);
  }
  return project;
};

/** Splits a shell command into words, quotes removed (enough for the commands of a README). */
function wordsOf(command: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const match of command.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}

/** Every command of the README: lines of its shell blocks and inline `npm …` / `npx …` spans. */
function commandsOf(readme: string): string[] {
  const lines: string[] = [];
  for (const block of readme.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    lines.push(...(block[1] ?? '').replace(/\\\n/g, ' ').split('\n'));
  }
  for (const span of readme.matchAll(/`((?:npm|npx) [^`]+)`/g)) lines.push(span[1] ?? '');
  return (
    lines
      .map((line) => line.replace(/(^|\s)#.*$/, ''))
      .flatMap((line) => line.split(/&&|;|\|/))
      .map((command) => command.replace(/\s&\s*$/, '').trim())
      // Leading variable assignments (`PORT=8001 npx …`) belong to the environment.
      .map((command) => command.replace(/^(?:[A-Z_][A-Z0-9_]*=\S*\s+)+/, ''))
      .filter((command) => /^(npm|npx) /.test(command))
  );
}

/** The arguments of `agent-gateway` in `script`, or undefined when it runs something else. */
const gatewayArgsOf = (script: string): string[] | undefined => {
  const words = wordsOf(script);
  return words[0] === 'agent-gateway' ? words.slice(1) : undefined;
};

/** Why `command` would not run in `project`, or undefined when it would. */
function problemOf(command: string, project: Project): string | undefined {
  const words = wordsOf(command);
  const [tool, first, ...rest] = words;
  const cliProblem = (args: string[]): string | undefined => {
    try {
      const parsed = parseCliArgs(args);
      if (
        (parsed.command === 'serve' || parsed.command === 'run') &&
        !existsSync(join(project.dir, parsed.file))
      ) {
        return `${parsed.file} does not exist in the project`;
      }
      return undefined;
    } catch (error) {
      return String(error);
    }
  };
  if (tool === 'npm') {
    if (first === 'install' || first === 'i' || first === 'ci') return undefined;
    const name = first === 'start' ? 'start' : first === 'run' ? rest.shift() : undefined;
    if (name === undefined) return `npm ${String(first)} is not a command of the project`;
    const script = project.scripts[name];
    if (script === undefined) return `the project has no '${name}' script`;
    const extra = rest[0] === '--' ? rest.slice(1) : rest;
    const args = gatewayArgsOf(script);
    return args === undefined ? undefined : cliProblem([...args, ...extra]);
  }
  if (first === 'agent-gateway' || first === 'ai-agent-gateway') return cliProblem(rest);
  if (first === 'tsx')
    return existsSync(join(project.dir, rest[0] ?? '')) ? undefined : `${rest[0]} is missing`;
  if (first === 'vite') {
    const target = rest.find((word) => !['build', 'preview'].includes(word) && !word.startsWith('-'));
    return target === undefined || existsSync(join(project.dir, target)) ? undefined : `${target} is missing`;
  }
  return undefined;
}

/** The environment variables the project's own code reads. */
async function variablesReadBy(dir: string): Promise<string[]> {
  const names = new Set<string>();
  for (const file of await readdir(dir, { recursive: true })) {
    if (file.includes('node_modules') || !/\.(ts|tsx)$/.test(file)) continue;
    const text = await readFile(join(dir, file), 'utf8');
    for (const match of text.matchAll(
      /process\.env(?:\.([A-Z_][A-Z0-9_]*)|\[['"]([A-Z_][A-Z0-9_]*)['"]\])/g,
    )) {
      names.add(match[1] ?? match[2] ?? '');
    }
  }
  return [...names].sort();
}

const serverOptions = new Set(Object.keys(serverSpecSchema.shape));
const refused = new Set([...RENAMED_AGENT_OPTIONS.keys(), ...RENAMED_HEADLESS_OPTIONS.keys()]);

/** Option names in code spans that the code would refuse (renamed ones, unknown `server.` ones). */
function refusedOptionsOf(readme: string): string[] {
  const names = [...readme.matchAll(/`([a-zA-Z][\w.]*)`/g)].map((match) => match[1] ?? '');
  return names.filter((name) => {
    if (refused.has(name)) return true;
    const server = /^server\.(\w+)/.exec(name);
    return server?.[1] !== undefined && !serverOptions.has(server[1]);
  });
}

/** Whether `npm start` serves a `createAgent` app, the kind `--demo` can run without a key. */
const servesAgent = (template: Template): boolean =>
  template.scripts['start']?.startsWith('agent-gateway serve') === true &&
  !readFileSync(join(repositoryRoot, 'examples', template.directory, 'agent.ts'), 'utf8').includes(
    'createGatewayApp(',
  );

describe.each(TEMPLATES.map((template) => [template.name, template] as const))(
  'the %s template',
  (_, template) => {
    it('README: every npm and npx command runs as written (scripts, CLI flags, files)', async () => {
      const project = await projectOf(template);
      const commands = commandsOf(project.readme);
      expect(commands.length).toBeGreaterThan(0);
      const problems = commands.flatMap((command) => {
        const problem = problemOf(command, project);
        return problem === undefined ? [] : [`${command}: ${problem}`];
      });
      expect(problems).toEqual([]);
    });

    it('README: names only options the code accepts, and every variable the project reads', async () => {
      const project = await projectOf(template);
      expect(refusedOptionsOf(project.readme)).toEqual([]);
      const unnamed = (await variablesReadBy(project.dir)).filter((name) => !project.readme.includes(name));
      expect(unnamed).toEqual([]);
    });

    it.runIf(servesAgent(template))(
      'README: says how to try it without a key (npm start -- --demo)',
      async () => {
        const project = await projectOf(template);
        expect(commandsOf(project.readme)).toContain('npm start -- --demo');
      },
    );

    it.skipIf(servesAgent(template))(
      'README: says why --demo does not apply, and how to try it without a key all the same',
      async () => {
        const project = await projectOf(template);
        expect(project.readme).toMatch(/`--demo`[^.]*agent-gateway serve/);
        expect(project.readme).toContain('createDemoProvider()');
      },
    );

    it('package.json depends on the version of ai-agent-gateway that made it', async () => {
      const project = await projectOf(template);
      const own = JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as {
        version: string;
      };
      const manifest = JSON.parse(await readFile(join(project.dir, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      expect(manifest.dependencies['ai-agent-gateway']).toBe(`^${own.version}`);
    });

    it('.gitignore keeps the embedded database, dependencies and secrets out of git', async () => {
      const project = await projectOf(template);
      expect(existsSync(join(project.dir, '.gitignore'))).toBe(true);
      expect(spawnSync('git', ['init', '-q'], { cwd: project.dir }).status).toBe(0);
      const ignored = (path: string): boolean =>
        spawnSync('git', ['check-ignore', '-q', path], { cwd: project.dir }).status === 0;
      for (const path of ['.agent-gateway/data/PG_VERSION', 'node_modules/zod/package.json', '.env']) {
        expect(ignored(path), path).toBe(true);
      }
      for (const path of ['README.md', 'package.json', '.gitignore']) expect(ignored(path), path).toBe(false);
    });
  },
);
