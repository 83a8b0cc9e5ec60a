import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** An account other than the tests' own, that a test starts a process as. */
export interface OtherAccount {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Why `account` cannot reach `path` (the first folder above it without its search bit: as
 * owner, group or other), or undefined when it can. Root running the tests from a 0700 folder
 * (a clone under `/root`, a `mktemp -d` folder: what many CI containers do) is the usual cause.
 */
export async function unreachableBy(path: string, account: OtherAccount): Promise<string | undefined> {
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    const info = await stat(folder).catch(() => undefined);
    if (info === undefined) return `${folder} does not exist`;
    const bit = info.uid === account.uid ? 0o100 : info.gid === account.gid ? 0o010 : 0o001;
    if ((info.mode & bit) === 0) {
      return `"${account.name}" cannot enter ${folder} (mode 0${(info.mode & 0o777).toString(8)})`;
    }
    if (dirname(folder) === folder) return undefined;
  }
}

/** What to do about it, said in every skip message. */
export const REACH_ADVICE =
  'run the tests as an ordinary user, or from a checkout every user can pass through ' +
  '(e.g. clone under /srv, or chmod o+x the folders above it)';
