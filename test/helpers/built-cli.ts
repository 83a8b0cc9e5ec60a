import { fileURLToPath } from 'node:url';

/**
 * The built CLI, as `npx agent-gateway` runs it (test/global-setup.ts builds dist/ first when it
 * is missing or older than src/).
 */
export const builtCli = fileURLToPath(new URL('../../bin/agent-gateway.js', import.meta.url));

/**
 * The environment of a built CLI serving a TypeScript agent of this repository that imports the
 * package by name: tsx then reads this folder's tsconfig, not the repository's, whose `paths`
 * point `ai-agent-gateway` at src/ for the type checker. The agent gets the built package the CLI
 * itself runs, loaded once, as in a user's project; with the repository's tsconfig, tsx would
 * compile and load src/ beside it (5.3-5.7 CPU-seconds to listen instead of 2.9-3.2 here).
 */
export const builtCliEnvironment: Readonly<Record<string, string>> = {
  TSX_TSCONFIG_PATH: fileURLToPath(new URL('./tsconfig.built-package.json', import.meta.url)),
};

/** The built package's entry, for agents a test writes outside the repository to import. */
export const builtIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
