import { randomBytes } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isGivenDatabase, type DatabaseSetting } from '../../agent-spec/database-option.js';
import { GatewayError, GatewayErrorCode } from '../../core/errors.js';
import { embeddedFolderOf } from '../database/gateway-database.js';
import { checkSecretFile, checkSecretFolder } from './secret-file-safety.js';

/** The file, inside the embedded database's folder, that keeps the session-token secret. */
export const SESSION_SECRET_FILE = 'session-secret';

/** Mode of the secret's file and of a data folder made for it: its owner only. */
const SECRET_FILE_MODE = 0o600;
const PRIVATE_FOLDER_MODE = 0o700;

/** 256 random bits as 64 lowercase hex characters. */
const SECRET_PATTERN = /^[0-9a-f]{64}$/;

/** The session-token secret of an app, and where it lives (so whether tokens outlive the process). */
export interface SessionSecret {
  /** The secret that signs new tokens. */
  secret: string;
  /** Secrets that verify earlier tokens still (a configured list after its first); none otherwise. */
  previousSecrets?: string[];
  /**
   * `configured`: `server.jwtSecret`; `data`: kept with the embedded database (it lives as long
   * as the threads do); `process`: made for this process, gone when it ends.
   */
  source: 'configured' | 'data' | 'process';
  /**
   * Writes a secret made for the embedded database into its folder (run when the app starts,
   * before the database opens); absent when there is nothing to write. Idempotent.
   */
  keep?: () => void;
}

const isErrno = (error: unknown, code: string): boolean => (error as NodeJS.ErrnoException).code === code;

/**
 * Reads a kept secret, made private (0600) when another user could read it; refused when anyone
 * else could have written it (`checkSecretFolder`, `checkSecretFile`).
 */
function readKeptSecret(path: string): string {
  const info = lstatSync(path);
  checkSecretFolder(dirname(path));
  checkSecretFile(path, info);
  const secret = readFileSync(path, 'utf8').trim();
  if (!SECRET_PATTERN.test(secret)) {
    throw new GatewayError(
      GatewayErrorCode.InvalidOption,
      `the session secret in ${path} is not 64 hex characters: restore it from a backup, or delete the file ` +
        '(a new secret is made and every session token handed out before is refused)',
    );
  }
  if ((info.mode & 0o077) !== 0) chmodSync(path, SECRET_FILE_MODE);
  return secret;
}

/** The secret kept in `folder`, or undefined when none is kept there yet. */
export function readKeptSessionSecret(folder: string): string | undefined {
  try {
    return readKeptSecret(join(folder, SESSION_SECRET_FILE));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

/**
 * Keeps `secret` in `folder` unless one is kept there already, and returns the one kept: created
 * with `O_EXCL` and mode 0600 (the folder 0700 when made here), so two processes keeping one at
 * once end up with the same. Refused in a folder another OS user owns or can write.
 */
export function keepSessionSecret(folder: string, secret: string): string {
  const path = join(folder, SESSION_SECRET_FILE);
  mkdirSync(dirname(folder), { recursive: true });
  try {
    mkdirSync(folder, { mode: PRIVATE_FOLDER_MODE });
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  }
  checkSecretFolder(folder);
  try {
    writeFileSync(path, `${secret}\n`, { flag: 'wx', mode: SECRET_FILE_MODE });
    return secret;
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
    return readKeptSecret(path);
  }
}

/**
 * The secret of an app: `server.jwtSecret` when set; else, with the embedded database, the one
 * kept in its folder (so session tokens last as long as the threads they reach), made now when
 * the folder keeps none yet and written there by `keep` when the app starts (building an app
 * writes nothing); else one made for this process. The secret itself is never logged.
 */
export function sessionSecretOf(
  jwtSecret: string | readonly string[] | undefined,
  database: DatabaseSetting | undefined,
): SessionSecret {
  if (typeof jwtSecret === 'string') return { secret: jwtSecret, source: 'configured' };
  const [signing, ...previousSecrets] = jwtSecret ?? [];
  if (signing !== undefined) return { secret: signing, previousSecrets, source: 'configured' };
  if (
    database !== undefined &&
    database !== false &&
    !isGivenDatabase(database) &&
    (database === 'embedded' || 'embedded' in database)
  ) {
    const folder = embeddedFolderOf(database);
    const kept = readKeptSessionSecret(folder);
    if (kept !== undefined) return { secret: kept, source: 'data' };
    const secret = randomBytes(32).toString('hex');
    return {
      secret,
      source: 'data',
      keep: () => {
        if (keepSessionSecret(folder, secret) !== secret) {
          throw new GatewayError(
            GatewayErrorCode.InvalidOption,
            `another process kept a session secret in ${folder} while this gateway started: one process owns a data folder`,
          );
        }
      },
    };
  }
  return { secret: randomBytes(32).toString('hex'), source: 'process' };
}
