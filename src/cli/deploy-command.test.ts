import { mkdtemp, readFile, rm, writeFile, mkdir, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEPLOY_USAGE, runDeployCommand } from './deploy-command.js';
import { runInitCommand } from './init-command.js';
import { deployFilesOf } from './deploy-files.js';

let project: string;
let printed: string[];
let errors: string[];

const deploy = (...argv: string[]): Promise<number> =>
  runDeployCommand(argv, {
    out: (line) => printed.push(line),
    err: (line) => errors.push(line),
    cwd: project,
  });

beforeEach(async () => {
  project = await mkdtemp(join(tmpdir(), 'agent-gateway-deploy-'));
  printed = [];
  errors = [];
  await writeFile(join(project, 'package.json'), JSON.stringify({ name: '@acme/Support Bot' }));
  await writeFile(join(project, 'agent.ts'), 'export default {};\n');
});
afterEach(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('agent-gateway deploy', () => {
  it('writes the image files with the agent module and prints the build and run commands', async () => {
    expect(await deploy('docker')).toBe(0);
    const dockerfile = await readFile(join(project, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('"serve", "/app/agent.ts"');
    expect(dockerfile).not.toContain('{{');
    expect(await readFile(join(project, '.dockerignore'), 'utf8')).toContain('node_modules');
    expect(printed.join('\n')).toContain('docker build -t support-bot .');
    expect(errors).toEqual([]);
  });

  it('writes a Dockerfile both builders take: no BuildKit-only syntax, the CLI run by node under tini', async () => {
    expect(await deploy('docker')).toBe(0);
    const dockerfile = await readFile(join(project, 'Dockerfile'), 'utf8');
    const instructions = dockerfile.split('\n').filter((line) => !line.startsWith('#'));
    expect(instructions.join('\n')).not.toMatch(/--mount|--chmod|--link|<<|^# syntax=/m);
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-bookworm-slim$/m);
    expect(dockerfile).toMatch(/^USER 65532:0$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["tini", "--"\]$/m);
    expect(dockerfile).toMatch(
      /^CMD \["node", "\/app\/node_modules\/ai-agent-gateway\/bin\/agent-gateway.js", "serve"/m,
    );
    expect(dockerfile).not.toMatch(/^CMD .*npx/m);
    expect(dockerfile).toMatch(
      /^HEALTHCHECK [^\n]*\\\n\s+CMD \["node", "-e", "fetch\(.*\/api\/health\/live/m,
    );
  });

  it('gives init deploy a project with the image, compose and Kubernetes files', async () => {
    const created = join(project, 'created');
    expect(await runInitCommand({ template: 'deploy', directory: created, log: () => {} })).toBe(0);
    const files = await readdir(created, { recursive: true });
    for (const file of [
      'agent.ts',
      'Dockerfile',
      '.dockerignore',
      'compose.yaml',
      '.env.example',
      'kubernetes/deployment.yaml',
    ]) {
      expect(files).toContain(file);
    }
    expect(await readFile(join(created, 'compose.yaml'), 'utf8')).toContain(
      '${GATEWAY_IMAGE:-created:latest}',
    );
  });

  it('writes compose and its balancer beside the image files, with the project name as the image', async () => {
    expect(await deploy('compose')).toBe(0);
    const files = await readdir(project);
    for (const file of ['Dockerfile', '.dockerignore', 'compose.yaml', 'haproxy.cfg', '.env.example']) {
      expect(files).toContain(file);
    }
    const compose = await readFile(join(project, 'compose.yaml'), 'utf8');
    expect(compose).toContain('${GATEWAY_IMAGE:-support-bot:latest}');
    expect(compose).toContain('${JWT_SECRET:?');
    expect(printed.join('\n')).toContain('docker compose up -d --build');
  });

  it('writes every Kubernetes manifest under kubernetes/ with the agent module in the Deployment', async () => {
    await mkdir(join(project, 'src'));
    await writeFile(join(project, 'src', 'bot.ts'), 'export default {};\n');
    expect(await deploy('kubernetes', '--agent', 'src/bot.ts')).toBe(0);
    for (const file of deployFilesOf('kubernetes')) {
      expect(await readFile(join(project, file.target), 'utf8')).not.toMatch(/\{\{[A-Z_]+\}\}/);
    }
    expect(await readFile(join(project, 'kubernetes', 'deployment.yaml'), 'utf8')).toContain(
      '/app/src/bot.ts',
    );
    expect(printed.join('\n')).toContain('kubectl apply -k kubernetes/');
  });

  it('writes into --out, relative to the working directory', async () => {
    const other = join(project, 'service');
    await mkdir(other);
    await writeFile(join(other, 'agent.js'), 'export default {};\n');
    expect(await deploy('docker', '--out', 'service')).toBe(0);
    expect(await readFile(join(other, 'Dockerfile'), 'utf8')).toContain('/app/agent.js');
  });

  it('refuses to overwrite any existing file, writes nothing then, and overwrites with --force', async () => {
    await writeFile(join(project, 'compose.yaml'), 'mine\n');
    expect(await deploy('compose')).toBe(1);
    expect(errors.join('\n')).toContain('not overwriting compose.yaml');
    expect(await readdir(project)).not.toContain('Dockerfile');
    expect(await readFile(join(project, 'compose.yaml'), 'utf8')).toBe('mine\n');

    expect(await deploy('compose', '--force')).toBe(0);
    expect(await readFile(join(project, 'compose.yaml'), 'utf8')).toContain('services:');
  });

  it('answers a bad command line with exit code 2, the reason and the usage', async () => {
    expect(await deploy()).toBe(2);
    expect(await deploy('helm')).toBe(2);
    expect(await deploy('dokcer')).toBe(2);
    expect(await deploy('docker', '--agent', 'missing.ts')).toBe(2);
    expect(await deploy('docker', '--agent', '../outside.ts')).toBe(2);
    expect(await deploy('docker', '--tag', 'x')).toBe(2);
    expect(errors[0]).toContain('deploy needs a target');
    expect(errors[1]).toContain("unknown target 'helm'");
    expect(errors[2]).toContain("did you mean 'docker'?");
    expect(errors[3]).toContain('missing.ts: no such file');
    expect(errors[4]).toContain('outside the project folder');
    expect(errors[5]).toContain("Unknown option '--tag'");
    for (const error of errors) expect(error).toContain(DEPLOY_USAGE);
  });

  it('asks for --agent when the project has no agent.ts or agent.js', async () => {
    await rm(join(project, 'agent.ts'));
    expect(await deploy('docker')).toBe(2);
    expect(errors[0]).toContain('name the module with --agent <file>');
  });

  it('prints its usage for --help', async () => {
    expect(await deploy('--help')).toBe(0);
    expect(printed).toEqual([DEPLOY_USAGE]);
  });
});
