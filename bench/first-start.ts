/**
 * The first start of `serve` on an empty project folder, default (the embedded database) against
 * `--no-database`, and nothing else: the first-start column of `bench/durable-default.ts`,
 * with more samples in less time. The built CLI (`npm run build` first) in a process of its own
 * per sample, from spawning it to the first `200` of `/api/health`; the two modes alternate.
 * Each gateway runs `--hold` seconds (default 1) after its first 200 and is stopped with SIGTERM
 * (as a user's Ctrl-C), which leaves the spare cluster that the next new folder takes (see
 * `src/database/sql/embedded-postgres/cluster-spare.ts`); `--no-spare` removes this build's spare
 * before every default start, which then copies the machine's template. `--fresh-template` removes the template
 * (and spares) before every default start: a machine's very first start, which runs `initdb`.
 *
 *   node --import tsx bench/first-start.ts [--samples 5] [--hold 1] [--no-spare | --fresh-template]
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { healthyUrlOf } from './lib/serve-gateway.js';
import { removeFromTemplateCache } from './lib/template-cache.js';
import { quantile, round } from './lib/stats.js';

const index = process.argv.indexOf('--samples');
const SAMPLES = index === -1 ? 5 : Number(process.argv[index + 1]);
const FRESH_TEMPLATE = process.argv.includes('--fresh-template');
const NO_SPARE = process.argv.includes('--no-spare');
const holdIndex = process.argv.indexOf('--hold');
const HOLD_SECONDS = holdIndex === -1 ? 1 : Number(process.argv[holdIndex + 1]);

const cliEntry = fileURLToPath(new URL('../bin/agent-gateway.js', import.meta.url));
const createAgentModule = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const agentSource = `import { createAgent } from ${JSON.stringify(createAgentModule)};
export default createAgent({
  systemPrompt: 'You answer.',
  provider: 'anthropic',
  apiKey: 'bench-key',
  providerConfig: { baseURL: 'http://127.0.0.1:9/v1' },
  server: { validApiKeys: ['bench'], playground: false },
});
`;

type Mode = 'default' | 'no-database';

/** Spawns `serve` in a new project folder; resolves the ms to the first 200 of /api/health. */
async function firstStart(mode: Mode): Promise<number> {
  // Reachable by the server's account when the bench runs as root (a mkdtemp folder is 0700).
  const project = await mkdtemp(join(tmpdir(), `bench-first-start-${mode}-`));
  await chmod(project, 0o755);
  await writeFile(join(project, 'agent.mjs'), agentSource);
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      cliEntry,
      'serve',
      'agent.mjs',
      ...['--port', '0', '--host', '127.0.0.1', '--log-level', 'warn', '--log-format', 'json'],
      ...(mode === 'no-database' ? ['--no-database'] : []),
    ],
    {
      cwd: project,
      env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await healthyUrlOf(child, mode);
    const taken = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, HOLD_SECONDS * 1_000));
    return taken;
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(project, { recursive: true, force: true });
  }
}

const samples: Array<Record<Mode, number> & { load: number }> = [];
for (let sample = 0; sample < SAMPLES; sample += 1) {
  const order: Mode[] = sample % 2 === 0 ? ['default', 'no-database'] : ['no-database', 'default'];
  const result = {} as Record<Mode, number>;
  for (const mode of order) {
    if ((FRESH_TEMPLATE || NO_SPARE) && mode === 'default') {
      await removeFromTemplateCache({ template: FRESH_TEMPLATE });
    }
    result[mode] = round(await firstStart(mode));
  }
  const row = { ...result, load: currentLoad() };
  samples.push(row);
  console.error(
    JSON.stringify({ sample: sample + 1, ...row, addedMs: round(row.default - row['no-database']) }),
  );
}
const median = (values: number[]): number =>
  round(
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    ),
  );
console.log(
  JSON.stringify(
    {
      machine: describeMachine(),
      cluster: FRESH_TEMPLATE ? 'initdb' : NO_SPARE ? 'template copy' : 'spare',
      holdSeconds: HOLD_SECONDS,
      medians: {
        defaultMs: median(samples.map((each) => each.default)),
        noDatabaseMs: median(samples.map((each) => each['no-database'])),
        addedMs: median(samples.map((each) => each.default - each['no-database'])),
      },
    },
    null,
    2,
  ),
);
