import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The operating-system account the PostgreSQL server runs as, when not the gateway's own. */
export interface ServerAccount {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Accounts tried, in order, when the gateway runs as root (PostgreSQL refuses to). */
export const ROOT_FALLBACK_ACCOUNTS = ['postgres', 'nobody'] as const;

/** Reads `name`'s uid and gid from a passwd file's text. */
export function findAccount(passwd: string, name: string): ServerAccount | undefined {
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user !== name || uid === undefined || gid === undefined) continue;
    const account = { name, uid: Number(uid), gid: Number(gid) };
    return Number.isSafeInteger(account.uid) && Number.isSafeInteger(account.gid) && account.uid > 0
      ? account
      : undefined;
  }
  return undefined;
}

/**
 * Whom the server runs as: undefined (the gateway's own account) unless the gateway is root,
 * which PostgreSQL refuses; then the account named `preferred`, else the first of
 * `ROOT_FALLBACK_ACCOUNTS` that exists. Rejects when root has none of them.
 */
export async function resolveServerAccount(
  options: { uid?: number; passwdFile?: string; preferred?: string } = {},
): Promise<ServerAccount | undefined> {
  const uid = options.uid ?? process.getuid?.();
  if (uid !== 0) return undefined;
  const passwd = await readFile(options.passwdFile ?? '/etc/passwd', 'utf8').catch(() => '');
  const names = options.preferred === undefined ? ROOT_FALLBACK_ACCOUNTS : [options.preferred];
  for (const name of names) {
    const account = findAccount(passwd, name);
    if (account !== undefined) return account;
  }
  throw new Error(
    `the gateway runs as root, which PostgreSQL refuses, and there is no account to run it as ` +
      `(tried ${names.join(', ')}): run the gateway as an ordinary user, or create one ` +
      `(useradd --system --no-create-home postgres)`,
  );
}

/** What `checkReachable` checks the way to: what the server's account must reach, and how. */
const REACH_ADVICE = {
  data: (name: string) => `keep the data folder where "${name}" can reach it`,
  programs: (name: string) =>
    `its programs are in the app's node_modules: install the app where "${name}" can reach it ` +
    '(in a container, a WORKDIR such as /app rather than /root)',
} as const;

/**
 * Rejects, saying what to do, when `account` cannot pass through every folder above `path` (it
 * needs the search bit of each: as owner, group or other; supplementary groups and ACLs are not
 * read, so this errs on the side of refusing). `what`: the data folder (default) or the
 * server's programs.
 */
export async function checkReachable(
  path: string,
  account: ServerAccount,
  what: keyof typeof REACH_ADVICE = 'data',
): Promise<void> {
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const info = await stat(folder);
    const bit = info.uid === account.uid ? 0o100 : info.gid === account.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) {
      throw new Error(
        `the gateway runs as root, which PostgreSQL refuses, so the server runs as "${account.name}", ` +
          `which cannot enter ${folder} (mode 0${(info.mode & 0o777).toString(8)}): ` +
          `${REACH_ADVICE[what](account.name)}, or run the gateway as an ordinary user`,
      );
    }
    if (dirname(folder) === folder) return;
  }
}
