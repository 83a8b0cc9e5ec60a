import { access, mkdir, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { PostgresBinaries } from './postgres-binaries.js';

/** Where distributions install nss_wrapper's library (Debian's `libnss-wrapper` first). */
export const NSS_WRAPPER_LIBRARIES: readonly string[] = [
  '/usr/lib/x86_64-linux-gnu/libnss_wrapper.so',
  '/usr/lib/aarch64-linux-gnu/libnss_wrapper.so',
  '/usr/lib64/libnss_wrapper.so',
  '/usr/lib/libnss_wrapper.so',
];

/** The folder, inside the gateway's data folder, of the passwd and group files nss_wrapper reads. */
export const ACCOUNT_SHIM_FOLDER = 'postgres-account';

/** The account name the programs see for a uid that has none. */
const SHIM_ACCOUNT = 'gateway';

/** Options of `withAccountShim`; the defaults read this process and this machine. */
export interface AccountShimOptions {
  uid?: number;
  gid?: number;
  /** Whether the uid has an account the system can look up (`os.userInfo()` succeeds). */
  hasAccount?: () => boolean;
  /** Candidate paths of nss_wrapper's library, the first that exists is used. */
  libraries?: readonly string[];
}

const systemHasAccount = (): boolean => {
  try {
    userInfo();
    return true;
  } catch {
    return false;
  }
};

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

const firstExisting = async (paths: readonly string[]): Promise<string | undefined> => {
  for (const path of paths) if (await exists(path)) return path;
  return undefined;
};

/**
 * PostgreSQL's programs look up the account they run as, and stop without one (`initdb: could
 * not look up effective user ID`). A uid without an entry in the system's accounts has none: the
 * arbitrary uid in group 0 that OpenShift assigns, or `docker run --user 1000680000:0`. For such a
 * uid the programs run with nss_wrapper preloaded, reading a passwd and a group file that
 * `folder` (the gateway's data folder, private to this uid) keeps, which name the uid `gateway`.
 *
 * Resolves `binaries` unchanged when the uid has an account (or is root, which runs the server as
 * another account), else with the three variables added to their `environment`. Rejects, saying
 * what to install, when the uid has no account and nss_wrapper is not installed.
 */
export async function withAccountShim(
  binaries: PostgresBinaries,
  folder: string,
  options: AccountShimOptions = {},
): Promise<PostgresBinaries> {
  const uid = options.uid ?? process.getuid?.();
  const gid = options.gid ?? process.getgid?.() ?? 0;
  if (uid === undefined || uid === 0 || (options.hasAccount ?? systemHasAccount)()) return binaries;
  const library = await firstExisting(options.libraries ?? NSS_WRAPPER_LIBRARIES);
  if (library === undefined) {
    throw new Error(
      `this process's uid (${uid}) has no account, and PostgreSQL's programs need one: install ` +
        `nss_wrapper (Debian and Ubuntu: libnss-wrapper), which lets them run under it, or run ` +
        `the gateway as a user with an account`,
    );
  }
  const shim = join(folder, ACCOUNT_SHIM_FOLDER);
  await mkdir(shim, { recursive: true, mode: 0o700 });
  const passwd = join(shim, 'passwd');
  const group = join(shim, 'group');
  await writeFile(passwd, `${SHIM_ACCOUNT}:x:${uid}:${gid}:agent gateway:${folder}:/usr/sbin/nologin\n`, {
    mode: 0o600,
  });
  await writeFile(group, `${gid === 0 ? 'root' : SHIM_ACCOUNT}:x:${gid}:\n`, { mode: 0o600 });
  return {
    ...binaries,
    environment: {
      ...binaries.environment,
      LD_PRELOAD: library,
      NSS_WRAPPER_PASSWD: passwd,
      NSS_WRAPPER_GROUP: group,
    },
  };
}
