import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closestName } from '../core/closest-name.js';
import { DEPLOY_TARGETS, deployFilesOf, nextStepsOf, type DeployTarget } from './deploy-files.js';

/** The package's `deploy/` folder (two levels up from src/cli or dist/cli). */
const templateRoot = fileURLToPath(new URL('../../deploy/', import.meta.url));

/** `agent-gateway deploy --help`. */
export const DEPLOY_USAGE = `Usage: agent-gateway deploy docker|compose|kubernetes [options]

Writes into your project the files that build and run its agent, commented:
  docker       Dockerfile and .dockerignore (a non-root image, tini, a health check)
  compose      the image's files, compose.yaml (PostgreSQL, Redis, two gateways, HAProxy),
               haproxy.cfg and .env.example
  kubernetes   the image's files and kubernetes/ (kubectl apply -k): Deployment, Service,
               PodDisruptionBudget, migration Job, NetworkPolicy, Ingress, optional HPA
Never overwrites a file unless --force is given.

Options:
      --agent <file>      the agent module, relative to the project (default: agent.ts,
                          else agent.js, in the project folder)
      --out <dir>         the project folder (default: the current directory)
      --force             overwrite files that exist
  -h, --help              this text`;

/** A command line `deploy` cannot accept; exit code 2 with the usage. */
export class DeployUsageError extends Error {
  /** Stable code for scripts and tests. */
  readonly code = 'deploy_usage';
}

/** Files that exist and would be overwritten; exit code 1, nothing written. */
export class DeployFilesExistError extends Error {
  /** Stable code for scripts and tests. */
  readonly code = 'deploy_files_exist';
}

/** Where a deploy command writes (stdout and stderr by default). */
export interface DeployCommandIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** The folder `--out` is relative to (default: the process's working directory). */
  cwd?: string;
}

/** A parsed `deploy` command line. */
interface DeployRequest {
  target: DeployTarget;
  projectDirectory: string;
  agent?: string;
  force: boolean;
}

const parseDeployArgs = (argv: readonly string[], cwd: string): DeployRequest | 'help' => {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        agent: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new DeployUsageError(error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  const [given, ...extra] = positionals;
  if (given === undefined) throw new DeployUsageError('deploy needs a target: docker, compose or kubernetes');
  const target = DEPLOY_TARGETS.find((candidate) => candidate === given);
  if (target === undefined) {
    const closest = closestName(given, DEPLOY_TARGETS);
    throw new DeployUsageError(
      `unknown target '${given}'${closest === undefined ? '' : ` (did you mean '${closest}'?)`}: docker, compose or kubernetes`,
    );
  }
  if (extra.length > 0) throw new DeployUsageError(`Unexpected argument: ${extra[0] ?? ''}`);
  if (values.out === '') throw new DeployUsageError('--out expects a folder');
  if (values.agent === '') throw new DeployUsageError('--agent expects the path of an agent module');
  return {
    target,
    projectDirectory: resolve(cwd, values.out ?? '.'),
    ...(values.agent === undefined ? {} : { agent: values.agent }),
    force: values.force === true,
  };
};

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * The agent module as a path inside the project, with forward slashes (the image copies the
 * project to /app, so the module must be inside it).
 */
const resolveAgentFile = async (projectDirectory: string, agent: string | undefined): Promise<string> => {
  const candidates = agent === undefined ? ['agent.ts', 'agent.js'] : [agent];
  for (const candidate of candidates) {
    const absolute = isAbsolute(candidate) ? candidate : resolve(projectDirectory, candidate);
    const inside = relative(projectDirectory, absolute);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new DeployUsageError(`--agent ${candidate} is outside the project folder ${projectDirectory}`);
    }
    if (await exists(absolute)) return inside.split(sep).join('/');
    if (agent !== undefined)
      throw new DeployUsageError(`--agent ${candidate}: no such file in ${projectDirectory}`);
  }
  throw new DeployUsageError(
    `no agent.ts or agent.js in ${projectDirectory}: name the module with --agent <file>`,
  );
};

/**
 * The project's name (its package.json `name`, else its folder's) as an image and Kubernetes
 * name: lower case letters, digits and dashes, at most 50 characters.
 */
export const imageNameOf = async (projectDirectory: string): Promise<string> => {
  const manifest = await readFile(join(projectDirectory, 'package.json'), 'utf8').then(
    (text) => JSON.parse(text) as { name?: unknown },
    (): { name?: unknown } => ({}),
  );
  const name = typeof manifest.name === 'string' ? manifest.name : basename(projectDirectory);
  const cleaned = name
    .toLowerCase()
    .replace(/^@[^/]+\//, '')
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return cleaned === '' ? 'my-agent' : cleaned;
};

/** A template's text with its placeholders filled in. */
const fill = (text: string, values: Readonly<Record<string, string>>): string =>
  text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => values[name] ?? whole);

/** Options of `writeDeployFiles`. */
export interface WriteDeployFilesOptions {
  /** The targets whose files to write (files shared by several are written once). */
  targets: readonly DeployTarget[];
  /** The project folder. */
  projectDirectory: string;
  /** The agent module, relative to the project, with forward slashes. */
  agentFile: string;
  /** The image name (and the kustomization's `images:` name). */
  imageName: string;
  /** Overwrite files that exist. */
  force: boolean;
}

/**
 * Writes the deployment files of `targets` into a project and resolves the paths written.
 * Every target path is checked first, so a refusal (`DeployFilesExistError`) writes nothing.
 */
export async function writeDeployFiles(options: WriteDeployFilesOptions): Promise<string[]> {
  const files = [
    ...new Map(
      options.targets.flatMap((target) => deployFilesOf(target)).map((file) => [file.target, file]),
    ).values(),
  ];
  if (!options.force) {
    const taken: string[] = [];
    for (const file of files)
      if (await exists(join(options.projectDirectory, file.target))) taken.push(file.target);
    if (taken.length > 0) {
      throw new DeployFilesExistError(
        `not overwriting ${taken.join(', ')} in ${options.projectDirectory}: move them away or add --force`,
      );
    }
  }
  const values = { AGENT_FILE: options.agentFile, APP_NAME: options.imageName };
  for (const file of files) {
    const path = join(options.projectDirectory, file.target);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, fill(await readFile(join(templateRoot, file.source), 'utf8'), values));
  }
  return files.map((file) => file.target);
}

/**
 * `agent-gateway deploy <target>`: writes the deployment files of a project (templates shipped
 * in the package's `deploy/` folder, with the agent module and the image name filled in) and
 * prints the next command. Resolves the exit code: 0, 1 when files exist (nothing written) or
 * a template cannot be read, 2 for a bad command line.
 */
export async function runDeployCommand(argv: readonly string[], io: DeployCommandIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  try {
    const request = parseDeployArgs(argv, io.cwd ?? process.cwd());
    if (request === 'help') {
      out(DEPLOY_USAGE);
      return 0;
    }
    const agentFile = await resolveAgentFile(request.projectDirectory, request.agent);
    const imageName = await imageNameOf(request.projectDirectory);
    const written = await writeDeployFiles({
      targets: [request.target],
      projectDirectory: request.projectDirectory,
      agentFile,
      imageName,
      force: request.force,
    });
    out(`Wrote ${written.join(', ')} in ${request.projectDirectory} (agent: ${agentFile}).`);
    out(
      'Off loopback the agent module must set server.validApiKeys; docs/deploy.md lists what else it reads.',
    );
    out('Next:');
    for (const line of nextStepsOf(request.target, imageName)) out(line);
    return 0;
  } catch (error) {
    if (error instanceof DeployUsageError) {
      err(`agent-gateway deploy: ${error.message}\n\n${DEPLOY_USAGE}`);
      return 2;
    }
    err(`agent-gateway deploy: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
