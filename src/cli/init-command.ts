import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closestName } from '../core/closest-name.js';
import { imageNameOf, writeDeployFiles } from './deploy-command.js';
import { TEMPLATES, type Template } from './templates.js';

/** The package's own folder (two levels up from src/cli or dist/cli). */
const packageRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Files of an example that stay behind: its tests, fixtures, build output and run state. */
const LEFT_OUT = /(\.test\.tsx?$|^__fixtures__$|^node_modules$|^dist$|^\.state$)/;

/** Text files whose `examples/<dir>/` paths are made relative to the new project. */
const TEXT_FILE = /\.(md|ts|tsx|json|cfg|html)$/;

/**
 * The project's `.gitignore`, written by `init` (npm leaves every `.gitignore` out of a package,
 * so the examples cannot ship one): the embedded database (`./.agent-gateway/`, threads and
 * approvals of real people), run state, dependencies, build output and secrets stay out of git.
 */
const GITIGNORE = [
  '# The embedded database (threads, runs, approvals): data, not code.',
  '.agent-gateway/',
  '# State of headless runs and heartbeats.',
  '.state/',
  'node_modules/',
  'dist/',
  '.env',
  '.env.*',
  '*.log',
  '',
].join('\n');

interface PackageManifest {
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = async (): Promise<PackageManifest> =>
  JSON.parse(await readFile(join(packageRoot, 'package.json'), 'utf8')) as PackageManifest;

/** The version range this package itself was built and tested with. */
const rangeOf = (manifest: PackageManifest, name: string): string =>
  manifest.dependencies?.[name] ??
  manifest.peerDependencies?.[name] ??
  manifest.devDependencies?.[name] ??
  'latest';

/** `agent-gateway init` with no template: the list. */
export function templateList(): string {
  const width = Math.max(...TEMPLATES.map((template) => template.name.length));
  return [
    'Templates (agent-gateway init <template> [dir]):',
    ...TEMPLATES.map((template) => `  ${template.name.padEnd(width)}  ${template.description}`),
  ].join('\n');
}

/** The template called `name`, or an error that names the closest one. */
export function findTemplate(name: string): Template {
  const template = TEMPLATES.find((candidate) => candidate.name === name);
  if (template !== undefined) return template;
  const closest = closestName(
    name,
    TEMPLATES.map((candidate) => candidate.name),
  );
  throw new Error(
    `unknown template '${name}'${closest === undefined ? '' : ` — did you mean '${closest}'?`}\n\n${templateList()}`,
  );
}

/** Rewrites the example's paths (`examples/06-tool-approval/agent.ts`) for a project of its own. */
const localisePaths = async (directory: string, template: Template): Promise<void> => {
  const prefix = `examples/${template.directory}/`;
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !TEXT_FILE.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, 'utf8');
    if (text.includes(prefix)) await writeFile(path, text.replaceAll(prefix, ''));
  }
};

/** Options of `runInitCommand`. */
export interface InitCommandOptions {
  /** Template name; undefined lists the templates. */
  template?: string;
  /** Folder to create (default: the template's name, in the current directory). */
  directory?: string;
  /** Where to print. */
  log?: (line: string) => void;
}

/**
 * `agent-gateway init [template] [dir]`: copies one of the package's examples into a new folder
 * as a project of its own (package.json with its dependencies and scripts, a `.gitignore`,
 * paths made local)
 * and prints how to run it. Refuses a folder that exists and is not empty.
 */
export async function runInitCommand(options: InitCommandOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.log(line));
  if (options.template === undefined) {
    log(templateList());
    return 0;
  }
  const template = findTemplate(options.template);
  const target = resolve(options.directory ?? template.name);
  const existing = await readdir(target).catch(() => []);
  if (existing.length > 0) throw new Error(`${target} exists and is not empty: pick another folder`);
  await mkdir(target, { recursive: true });
  await cp(join(packageRoot, 'examples', template.directory), target, {
    recursive: true,
    filter: (source) => !LEFT_OUT.test(basename(source)),
  });
  await localisePaths(target, template);
  const manifest = await readManifest();
  const project = {
    name:
      basename(target)
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, '-') || 'my-agent',
    version: '0.0.0',
    private: true,
    type: 'module',
    scripts: template.scripts,
    dependencies: Object.fromEntries(
      [
        ['ai-agent-gateway', `^${manifest.version ?? '0.1.0'}`],
        ...template.dependencies.map((name) => [name, rangeOf(manifest, name)]),
      ].sort(([a], [b]) => String(a).localeCompare(String(b))),
    ) as Record<string, string>,
  };
  await writeFile(join(target, 'package.json'), `${JSON.stringify(project, null, 2)}\n`);
  await writeFile(join(target, '.gitignore'), GITIGNORE);
  if (template.deploy !== undefined) {
    await writeDeployFiles({
      targets: template.deploy,
      projectDirectory: target,
      agentFile: 'agent.ts',
      imageName: await imageNameOf(target),
      force: false,
    });
  }
  log(`Created ${target} from the '${template.name}' template (${template.description}).`);
  log('');
  log(`  cd ${options.directory ?? template.name}`);
  log('  npm install');
  log('  npm start');
  log('');
  log('README.md in that folder says what it does and what to try.');
  return 0;
}
