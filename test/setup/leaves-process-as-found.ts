import { createRequire } from 'node:module';
import { afterAll } from 'vitest';

/**
 * Runs around every file of `npm test` that shares its worker with other files (see
 * test/suites.ts): a file that registers a loader for TypeScript files for the whole process
 * fails here, because every file after it in the worker would load its dependencies through
 * that loader.
 */
const extensions = (createRequire(import.meta.url) as unknown as { extensions: Record<string, unknown> })
  .extensions;
const typeScriptLoadable = (): boolean => extensions['.ts'] !== undefined;
const before = typeScriptLoadable();

afterAll(() => {
  if (!before && typeScriptLoadable()) {
    throw new Error(
      'This file registered a TypeScript loader (tsx) for the whole process, which would change how ' +
        'the files after it load their dependencies: list it in isolatedTests (test/suites.ts).',
    );
  }
});
