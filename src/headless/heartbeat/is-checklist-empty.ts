import { readFile } from 'node:fs/promises';
import type { Logger } from '../../core/logger.js';
import { consoleWarningLogger } from '../../core/logger.js';

const isMissingFile = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 'ENOENT';

/**
 * Whether a heartbeat checklist has nothing to check, so the tick can be skipped without
 * calling the model. No path (null/undefined) means no gating → false. A missing or unreadable
 * file counts as empty (unreadable with a warning); otherwise the checklist is empty iff every
 * line is blank or a `#` comment.
 */
export async function isChecklistEmpty(
  path: string | null | undefined,
  logger: Logger = consoleWarningLogger,
): Promise<boolean> {
  if (path === null || path === undefined) return false;
  let content: string;
  try {
    content = await readFile(path, 'utf8');
  } catch (error) {
    if (!isMissingFile(error))
      logger.warn(`Failed to read heartbeat checklist ${path}`, { error: String(error) });
    return true;
  }
  return content.split(/\r?\n|\r/).every((line) => {
    const trimmed = line.trim();
    return trimmed === '' || trimmed.startsWith('#');
  });
}
