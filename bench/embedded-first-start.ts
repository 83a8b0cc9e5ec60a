/**
 * What the embedded PostgreSQL store's first start on an empty data folder costs, step by step
 * (in this process, from the sources): finding the binaries, making the cluster (a copy of the
 * machine's template cluster once one exists, else `initdb`), starting the server until it
 * accepts connections, and the migrations. Several samples, each in a new folder.
 *
 *   node --import tsx bench/embedded-first-start.ts [--samples 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger } from '../src/core/logger.js';
import { CLUSTER_FOLDER } from '../src/stores/sql/embedded-postgres/embedded-postgres-engine.js';
import { findPostgresBinaries } from '../src/stores/sql/embedded-postgres/postgres-binaries.js';
import { ensureCluster } from '../src/stores/sql/embedded-postgres/postgres-cluster.js';
import { openEmbeddedEngine } from '../src/stores/sql/open-embedded-engine.js';
import { runMigrations } from '../src/stores/sql/run-migrations.js';
import { currentLoad } from './lib/machine-info.js';
import { round } from './lib/stats.js';

const index = process.argv.indexOf('--samples');
const SAMPLES = index === -1 ? 3 : Number(process.argv[index + 1]);
const root = process.env['HOME'] ?? '.';

for (let sample = 0; sample < SAMPLES; sample += 1) {
  const dir = await mkdtemp(join(root, '.agw-first-start-'));
  try {
    let at = performance.now();
    const lap = (): number => {
      const now = performance.now();
      const taken = now - at;
      at = now;
      return round(taken);
    };
    const lookup = await findPostgresBinaries();
    if (!lookup.found) throw new Error(lookup.reason);
    const binariesMs = lap();
    // The cluster alone, in a folder of its own (the engine below makes its own the same way).
    await ensureCluster(join(dir, 'alone', CLUSTER_FOLDER), lookup.binaries, {
      account: undefined,
      logger: silentLogger,
    });
    const clusterMs = lap();
    const engine = await openEmbeddedEngine(join(dir, 'data'), { logger: silentLogger });
    const openMs = lap();
    await runMigrations(engine);
    const migrationsMs = lap();
    await engine.close();
    console.log(
      JSON.stringify({
        sample: sample + 1,
        binariesMs,
        clusterMs,
        // Cluster again (same copy) plus the server's start until it accepts connections.
        openEngineMs: openMs,
        serverStartMs: round(openMs - clusterMs),
        migrationsMs,
        load: currentLoad(),
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
