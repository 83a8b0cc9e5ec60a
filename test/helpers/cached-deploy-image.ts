import { createHash } from 'node:crypto';
import { open, readFile, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  buildDeployImage,
  createDeployProject,
  docker,
  nodeBaseImage,
  type EmbeddedDatabaseBuild,
} from './deploy-image.js';
import type { ImageBuilder } from './image-builders.js';

/**
 * The repository of the image tags `deployImageForTests` builds; the tag is the content key
 * (with `-buildkit` for BuildKit's build of the same content, and `-omit` for a build without
 * the embedded PostgreSQL server).
 */
export const DEPLOY_TEST_IMAGE_REPOSITORY = 'agent-gateway-deploy-test';

/** The image of `agent-gateway deploy docker` for the example agent, and the project it came from. */
export interface DeployImageForTests {
  /** `agent-gateway-deploy-test:<key>`: the same for every test file while nothing changed. */
  image: string;
  /** The project folder (its Dockerfile, package and agent); the caller removes it. */
  project: string;
}

/**
 * What the image is built from: every file of the project (the packed package, the agent, the
 * Dockerfile and .dockerignore), the embedded database's build argument and the base image's
 * id, hashed. The packed tarball is reproducible (npm pack fixes its dates), so an unchanged
 * repository gives the same key.
 */
async function contentKey(project: string, embeddedDatabase: EmbeddedDatabaseBuild): Promise<string> {
  const hash = createHash('sha256').update(`EMBEDDED_DATABASE=${embeddedDatabase}\0`);
  const entries = await readdir(project, { withFileTypes: true, recursive: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  for (const file of files.sort()) {
    hash
      .update(file.slice(project.length))
      .update('\0')
      .update(await readFile(file));
  }
  hash.update(await docker(['image', 'inspect', '--format', '{{.Id}}', nodeBaseImage]));
  return hash.digest('hex').slice(0, 16);
}

const imageExists = (image: string): Promise<boolean> =>
  docker(['image', 'inspect', '--format', '{{.Id}}', image]).then(
    () => true,
    () => false,
  );

/** Whether the process that wrote a lock file still runs (a lock of a dead build is stale). */
async function lockHolderAlive(lockPath: string): Promise<boolean> {
  const pid = Number(await readFile(lockPath, 'utf8').catch(() => ''));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes the build lock of one key (a file created exclusively, holding this process's id), or
 * waits while a live process holds it. Resolves a release function, or undefined when the
 * image appeared meanwhile (another test file built it).
 */
async function lockBuild(image: string, lockPath: string, signal: AbortSignal) {
  for (;;) {
    signal.throwIfAborted();
    if (await imageExists(image)) return undefined;
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockPath).catch(() => undefined);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (!(await lockHolderAlive(lockPath))) await rm(lockPath, { force: true });
    else await delay(1000, undefined, { signal });
  }
}

/**
 * The image `agent-gateway deploy docker` writes for the example agent, built once for every
 * test file that needs it: tagged by the content key, it is reused while nothing it is built
 * from changed, and test files starting together wait for one build (a cold build installs the
 * package's dependencies inside the image: minutes on a loaded machine). The image is kept
 * after the tests, so the next run and the next file start at once.
 */
export async function deployImageForTests(
  signal: AbortSignal,
  builder: ImageBuilder = 'classic',
  embeddedDatabase: EmbeddedDatabaseBuild = 'include',
): Promise<DeployImageForTests> {
  const project = await createDeployProject();
  try {
    const suffix = `${builder === 'classic' ? '' : `-${builder}`}${embeddedDatabase === 'omit' ? '-omit' : ''}`;
    const image = `${DEPLOY_TEST_IMAGE_REPOSITORY}:${await contentKey(project, embeddedDatabase)}${suffix}`;
    const release = await lockBuild(image, join(tmpdir(), `${image.replace(':', '-')}.lock`), signal);
    if (release !== undefined) {
      try {
        if (!(await imageExists(image))) await buildDeployImage(project, image, builder, embeddedDatabase);
      } finally {
        await release();
      }
    }
    return { image, project };
  } catch (error) {
    await rm(project, { recursive: true, force: true });
    throw error;
  }
}
