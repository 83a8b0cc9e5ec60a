/** What the code's environment is built from. */
export interface CodeEnvironmentOptions {
  /** The work dir as the code sees it (`/workspace` in docker); also HOME and the cache root. */
  homeDir: string;
  /** PATH before `extraEnv.PATH` is prepended. */
  searchPath: string;
  /** Deployment-provided variables; `PATH` is prepended to `searchPath`, other names replace. */
  extraEnv: Readonly<Record<string, string>>;
}

/**
 * The complete environment of executed code. It is built from nothing on purpose: the
 * gateway's own variables (provider API keys, the JWT secret, tokens) are never inherited, so
 * code the model writes cannot read them. HOME and the matplotlib/XDG caches point into the
 * work dir, the one place a sandbox lets the code write.
 */
export function buildCodeEnvironment(options: CodeEnvironmentOptions): Record<string, string> {
  const { homeDir, searchPath, extraEnv } = options;
  const environment: Record<string, string> = {
    PATH: searchPath,
    HOME: homeDir,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    MPLBACKEND: 'Agg',
    MPLCONFIGDIR: `${homeDir}/.cache/matplotlib`,
    XDG_CACHE_HOME: `${homeDir}/.cache`,
  };
  for (const [name, value] of Object.entries(extraEnv)) {
    environment[name] = name === 'PATH' && value !== '' ? `${value}:${searchPath}` : value;
  }
  return environment;
}
