/**
 * What the embedded PostgreSQL store's first start on an empty data folder costs, step by step
 * (in this process, from the sources): finding the binaries and the server's account, making
 * the cluster (a copy of the machine's template cluster once one exists, else `initdb`), starting
 * the server until it accepts connections, and the migrations. Several samples, each in a new
 * folder under the temporary folder (made reachable, so that a bench run as root measures the
 * server and not the PGlite fallback). By default each sample copies the machine's template (any
 * spare cluster is removed first); `--spare` makes the spare cluster before each sample, outside
 * the timing (as a gateway that ran for a few seconds leaves one), so the sample takes it;
 * `--fresh-template` removes the template and spares before every sample (the very first start
 * of a machine).
 *
 *   node --import tsx bench/embedded-first-start.ts [--samples 5] [--spare | --fresh-template]
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/core/logger.js';
import {
  CLUSTER_FOLDER,
  createEmbeddedPostgresEngine,
} from '../src/database/sql/embedded-postgres/embedded-postgres-engine.js';
import { findPostgresBinaries } from '../src/database/sql/embedded-postgres/postgres-binaries.js';
import { keepSpare } from '../src/database/sql/embedded-postgres/cluster-spare.js';
import { ensureCluster } from '../src/database/sql/embedded-postgres/new-cluster.js';
import { makeServerFolder } from '../src/database/sql/embedded-postgres/postgres-cluster.js';
import { resolveServerAccount } from '../src/database/sql/embedded-postgres/server-account.js';
import { runMigrations } from '../src/database/sql/run-migrations.js';
import { currentLoad, describeMachine } from './lib/machine-info.js';
import { removeFromTemplateCache } from './lib/template-cache.js';
import { quantile, round } from './lib/stats.js';

const index = process.argv.indexOf('--samples');
const SAMPLES = index === -1 ? 5 : Number(process.argv[index + 1]);
const FRESH_TEMPLATE = process.argv.includes('--fresh-template');
const SPARE = process.argv.includes('--spare');

type Step = 'binariesMs' | 'clusterMs' | 'serverStartMs' | 'migrationsMs' | 'closeMs' | 'totalMs';
const rows: Array<Record<Step, number>> = [];

for (let sample = 0; sample < SAMPLES; sample += 1) {
  await removeFromTemplateCache({ template: FRESH_TEMPLATE });
  const lookup = await findPostgresBinaries();
  if (!lookup.found) throw new Error(lookup.reason);
  if (SPARE) {
    await keepSpare(lookup.binaries, await resolveServerAccount(), { logger: silentLogger });
  }
  const root = await mkdtemp(join(tmpdir(), 'agw-first-start-'));
  await chmod(root, 0o755);
  const dir = join(root, 'data');
  try {
    const began = performance.now();
    let at = began;
    const lap = (): number => {
      const now = performance.now();
      const taken = now - at;
      at = now;
      return round(taken);
    };
    const binaries = await findPostgresBinaries();
    if (!binaries.found) throw new Error(binaries.reason);
    const account = await resolveServerAccount();
    const binariesMs = lap();
    // The engine's own cluster folder: the engine below finds it made and only starts the server.
    await makeServerFolder(dir, account);
    await chmod(dir, 0o700);
    await ensureCluster(join(dir, CLUSTER_FOLDER), lookup.binaries, { account, logger: silentLogger });
    const clusterMs = lap();
    const engine = await createEmbeddedPostgresEngine(dir, {
      binaries: lookup.binaries,
      account,
      logger: silentLogger,
    });
    const serverStartMs = lap();
    await runMigrations(engine);
    const migrationsMs = lap();
    const totalMs = round(performance.now() - began);
    await engine.close();
    const closeMs = lap();
    const row = { binariesMs, clusterMs, serverStartMs, migrationsMs, totalMs, closeMs };
    rows.push(row);
    console.error(JSON.stringify({ sample: sample + 1, ...row, load: currentLoad() }));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const median = (values: number[]): number =>
  round(
    quantile(
      [...values].sort((a, b) => a - b),
      0.5,
    ),
  );
const steps: Step[] = ['binariesMs', 'clusterMs', 'serverStartMs', 'migrationsMs', 'totalMs', 'closeMs'];
console.log(
  JSON.stringify(
    {
      machine: describeMachine(),
      cluster: FRESH_TEMPLATE ? 'initdb' : SPARE ? 'spare' : 'template copy',
      medians: Object.fromEntries(steps.map((step) => [step, median(rows.map((row) => row[step]))])),
    },
    null,
    2,
  ),
);
