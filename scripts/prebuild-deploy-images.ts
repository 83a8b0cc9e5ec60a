/**
 * Builds the two images test/deploy-docker-image.test.ts and test/deploy-compose-stack.test.ts
 * run (the Dockerfile's defaults with the classic builder, and `EMBEDDED_DATABASE=omit` with
 * BuildKit) ahead of the suites, so CI can build them while its static checks run: a build is
 * mostly waiting on the npm registry and the disk, and in the end-to-end suite the first build
 * held both of its workers (the compose test waits for the same image). The images are tagged
 * by content (test/helpers/cached-deploy-image.ts), so the tests find them and build nothing;
 * whatever this could not build, they build themselves and report.
 *
 * Needs `dist/` (the project packs the built package) and a Docker engine with the Node base
 * image (.ci/docker-engine.sh). Never fails: without an engine it says so and exits 0.
 *
 *   node --import tsx scripts/prebuild-deploy-images.ts
 */
import { rm } from 'node:fs/promises';
import { deployImageForTests } from '../test/helpers/cached-deploy-image.js';
import { whyNoContainerEngine, type EmbeddedDatabaseBuild } from '../test/helpers/deploy-image.js';
import { buildCommand, type ImageBuilder } from '../test/helpers/image-builders.js';

/** The builds the tests ask for, in the order they ask. */
const BUILDS: ReadonlyArray<readonly [ImageBuilder, EmbeddedDatabaseBuild]> = [
  ['classic', 'include'],
  ['buildkit', 'omit'],
];

const note = (message: string): void => console.log(`prebuild-deploy-images: ${message}`);

const engineProblem = await whyNoContainerEngine();
if (engineProblem !== null) {
  note(`skipped: ${engineProblem}`);
} else {
  for (const [builder, embeddedDatabase] of BUILDS) {
    const command = await buildCommand(builder);
    if (typeof command === 'string') {
      note(`${builder}: skipped: ${command}`);
      continue;
    }
    const started = performance.now();
    try {
      const { image, project } = await deployImageForTests(
        AbortSignal.timeout(900_000),
        builder,
        embeddedDatabase,
      );
      await rm(project, { recursive: true, force: true });
      note(
        `${image} (${builder}, ${embeddedDatabase}) ready in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
    } catch (error) {
      note(
        `${builder}, ${embeddedDatabase}: not built (the tests will build it): ${String(error).slice(0, 2000)}`,
      );
    }
  }
}
