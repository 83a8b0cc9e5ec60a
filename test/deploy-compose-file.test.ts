import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVE_USAGE } from '../src/cli/cli-usage.js';
import { runDeployCommand } from '../src/cli/deploy-command.js';

const run = promisify(execFile);
// Debian's docker-compose (v1.29): `config` interpolates and validates without an engine.
const composeMissing = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status !== 0;
if (composeMissing) console.warn('compose file tests skipped: docker-compose is not installed');

interface ComposeService {
  image: string;
  command?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
}

const REQUIRED = {
  JWT_SECRET: 'compose-test-secret-0123456789abcdef',
  API_KEYS: 'key',
  POSTGRES_PASSWORD: 'pw',
};

describe.skipIf(composeMissing)('the compose file of agent-gateway deploy compose', () => {
  let project: string;
  /** `docker-compose config` in the project with `environment` only (no .env file). */
  const config = (environment: Record<string, string>) =>
    run('docker-compose', ['config'], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', ...environment },
    });

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'agent-gateway-compose-'));
    await writeFile(join(project, 'package.json'), JSON.stringify({ name: 'shop-bot' }));
    await writeFile(join(project, 'agent.ts'), 'export default {};\n');
    expect(await runDeployCommand(['compose', '--out', project], { out: () => {}, err: () => {} })).toBe(0);
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it.each(Object.keys(REQUIRED))('refuses to start without %s, naming it', async (name) => {
    const environment: Record<string, string> = { ...REQUIRED };
    delete environment[name];
    await expect(config(environment)).rejects.toThrow(new RegExp(`set ${name}`));
  });

  it('starts each service after the health of the ones it needs, migrations once before the gateways', async () => {
    const { stdout } = await config(REQUIRED);
    const { services } = parse(stdout) as { services: Record<string, ComposeService> };
    expect(Object.keys(services).sort()).toEqual([
      'gateway-1',
      'gateway-2',
      'haproxy',
      'migrate',
      'postgres',
      'redis',
    ]);
    expect(services['postgres']?.healthcheck?.test).toContain('pg_isready');
    expect(services['redis']?.healthcheck?.test).toContain('ping');
    expect(services['redis']?.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    expect(services['migrate']?.command?.at(-1)).toBe('migrate');
    expect(services['migrate']?.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const gateway of ['gateway-1', 'gateway-2']) {
      expect(services[gateway]?.depends_on).toEqual({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
      expect(services[gateway]?.command).toContain('--no-migrate');
      expect(services[gateway]?.environment?.['JWT_SECRET']).toBe(REQUIRED.JWT_SECRET);
    }
    expect(services['haproxy']?.depends_on).toEqual({
      'gateway-1': { condition: 'service_healthy' },
      'gateway-2': { condition: 'service_healthy' },
    });
  });

  it('takes every image name from a variable, defaulting to the project name and public images', async () => {
    const defaults = parse((await config(REQUIRED)).stdout) as { services: Record<string, ComposeService> };
    expect(defaults.services['gateway-1']?.image).toBe('shop-bot:latest');
    const images = {
      GATEWAY_IMAGE: 'registry.example/gw:1',
      POSTGRES_IMAGE: 'registry.example/pg:16',
      REDIS_IMAGE: 'registry.example/redis:7',
      HAPROXY_IMAGE: 'registry.example/haproxy:2.8',
    };
    const { services } = parse((await config({ ...REQUIRED, ...images })).stdout) as {
      services: Record<string, ComposeService>;
    };
    expect(services['gateway-2']?.image).toBe(images.GATEWAY_IMAGE);
    expect(services['migrate']?.image).toBe(images.GATEWAY_IMAGE);
    expect(services['postgres']?.image).toBe(images.POSTGRES_IMAGE);
    expect(services['redis']?.image).toBe(images.REDIS_IMAGE);
    expect(services['haproxy']?.image).toBe(images.HAPROXY_IMAGE);
  });

  it('lists in .env.example every variable serve --help names', async () => {
    const example = await readFile(join(project, '.env.example'), 'utf8');
    const environmentSection = SERVE_USAGE.slice(SERVE_USAGE.indexOf('Environment:'));
    const named = new Set(environmentSection.match(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b|\bPORT\b/g) ?? []);
    expect(named.size).toBeGreaterThan(5);
    for (const name of named) expect(example, name).toMatch(new RegExp(`^#? ?${name}=`, 'm'));
  });
});
