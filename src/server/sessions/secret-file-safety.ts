import { lstatSync, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';

const ROOT_UID = 0;
/** Write bits for the group and for others. */
const SHARED_WRITE = 0o022;
/** The sticky bit: in such a folder (`/tmp`) only an entry's owner may rename or remove it. */
const STICKY = 0o1000;

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8)}`;

const refuse = (message: string): GatewayError => new GatewayError(GatewayErrorCode.InvalidOption, message);

/** This process's user id; undefined where the platform has none (Windows). */
const ownUid = (): number | undefined => process.getuid?.();

/**
 * Throws unless `folder` and every folder above it are ones no other OS user can change: each
 * owned by this process's user (the folder itself) or by it or root (the folders above), and none
 * writable by its group or others unless sticky (`/tmp`). Whoever can write a folder can delete
 * and replace what it holds, whatever the file's own mode says; whoever owns one can make it
 * writable. So a secret is only as private as the folders on its way.
 */
export function checkSecretFolder(folder: string): void {
  const uid = ownUid();
  if (uid === undefined) return;
  for (let path = folder; ; path = dirname(path)) {
    const info = lstatSync(path);
    const owners = path === folder ? [uid] : [uid, ROOT_UID];
    if (!owners.includes(info.uid)) {
      throw refuse(
        `the folder ${path}, on the way to the session secret, belongs to another OS user (uid ${info.uid}), ` +
          `who could replace the secret and sign session tokens: give it to the gateway's user (chown ${uid} ${path}) ` +
          'after checking the secret, or keep the data elsewhere',
      );
    }
    if ((info.mode & SHARED_WRITE) !== 0 && (info.mode & STICKY) === 0) {
      throw refuse(
        `the folder ${path}, on the way to the session secret, can be written by other users (mode ${octal(info.mode)}), ` +
          `who could replace the secret: chmod go-w ${path}`,
      );
    }
    if (dirname(path) === path) return;
  }
}

/**
 * Throws unless `info` (of the kept secret at `path`, read without following links) is a plain
 * file with one name, owned by this process's user and writable by no one else: a file another
 * user wrote, a link, or a file others may write could hold a secret someone else chose.
 */
export function checkSecretFile(path: string, info: Stats): void {
  const uid = ownUid();
  if (!info.isFile() || info.nlink !== 1) {
    throw refuse(
      `the session secret ${path} is not a plain file (a link or a file with several names): delete it`,
    );
  }
  if (uid !== undefined && info.uid !== uid) {
    throw refuse(
      `the session secret ${path} belongs to another OS user (uid ${info.uid}), who may have chosen it: ` +
        'delete it (a new secret is made and every session token handed out before is refused)',
    );
  }
  if ((info.mode & SHARED_WRITE) !== 0) {
    throw refuse(
      `the session secret ${path} can be written by other users (mode ${octal(info.mode)}), who may have chosen it: ` +
        'delete it (a new secret is made and every session token handed out before is refused)',
    );
  }
}
