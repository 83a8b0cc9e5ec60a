import { rename, rm } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from '../../../core/logger.js';
import {
  buildingFolderOf,
  defaultTemplateCacheDir,
  isPrivateFolder,
  removeAbandoned,
  templateOf,
  type TemplateOptions,
} from './cluster-template.js';
import { copyAtLowPriority } from './low-priority-copy.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import type { ServerAccount } from './server-account.js';

/**
 * A spare cluster: a copy of the template made ahead, by a gateway as it closes, so that the next new data folder of this machine takes it with one `rename` instead of copying
 * the template's ~1,000 files on the way to its first request. One per template and server
 * account (its files belong to that account), beside the template in the user's private cache.
 */
const spareOf = async (
  binaries: PostgresBinaries,
  account: ServerAccount | undefined,
  options: TemplateOptions,
): Promise<string> =>
  `${await templateOf(binaries, options)}-spare-${account?.uid ?? process.getuid?.() ?? 0}`;

/**
 * Moves this machine's spare cluster (for `account`, of these binaries and schema) to `target`
 * (beside which it must not exist). Resolves false, leaving everything as it was, when there is
 * none, when it is not private to its account, or when it is on another file system than
 * `target` (a rename cannot move it): the caller copies the template then. Two gateways that
 * start at once cannot both take it: a rename moves it once.
 */
export async function takeSpare(
  binaries: PostgresBinaries,
  target: string,
  account: ServerAccount | undefined,
  options: TemplateOptions = {},
): Promise<boolean> {
  if (!(await isPrivateFolder(options.cacheDir ?? defaultTemplateCacheDir()))) return false;
  const spare = await spareOf(binaries, account, options);
  if (!(await isPrivateFolder(spare, account?.uid ?? process.getuid?.()))) return false;
  return rename(spare, target).then(
    () => true,
    () => false,
  );
}

/**
 * Makes the spare cluster for `account` when there is none, from the template (when there is
 * none either, nothing: the next new folder makes one). The engine calls it as it closes, its
 * server stopped: the copy then takes no CPU from chats (one made while serving slowed the first
 * tokens of the chats meanwhile, docs/PERFORMANCE.md). Copied into a folder of this process at
 * the lowest CPU priority (`copyAtLowPriority`), renamed into place when complete; what an
 * earlier gateway killed half way left is removed first. Best effort: a failure or `signal`
 * aborting removes the half-made copy and is logged at debug level; never rejects.
 */
export async function keepSpare(
  binaries: PostgresBinaries,
  account: ServerAccount | undefined,
  options: TemplateOptions & { logger: Logger; signal?: AbortSignal | undefined },
): Promise<void> {
  const cacheDir = options.cacheDir ?? defaultTemplateCacheDir();
  let building: string | undefined;
  try {
    const template = await templateOf(binaries, options);
    const spare = await spareOf(binaries, account, options);
    building = buildingFolderOf(spare);
    if (!(await isPrivateFolder(cacheDir)) || !(await isPrivateFolder(template))) return;
    if (await isPrivateFolder(spare, account?.uid ?? process.getuid?.())) return;
    await removeAbandoned(cacheDir, basename(spare));
    await copyAtLowPriority(template, building, account, options.signal);
    await rename(building, spare);
  } catch (error) {
    options.logger.debug('embedded PostgreSQL: could not keep a spare cluster', { error });
  } finally {
    if (building !== undefined) await rm(building, { recursive: true, force: true }).catch(() => undefined);
  }
}
