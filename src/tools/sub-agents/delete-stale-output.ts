import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '../../core/tool.js';
import { formatLocalDate } from './sub-agent-system-prompt.js';

/**
 * Deletes today's output file of a named agent (`<outputsDir>/<agent>/<YYYY-MM-DD>.md`) before a
 * background launch, so a reader polling for that file cannot mistake an earlier run's report
 * for the new one. A missing file is fine; any other failure is `ToolError('file_cleanup_failed')`.
 * `agent` must already be a validated skill name (no path separators).
 */
export async function deleteStaleOutput(options: {
  outputsDir: string;
  agent: string;
  today: Date;
}): Promise<void> {
  const file = join(options.outputsDir, options.agent, `${formatLocalDate(options.today)}.md`);
  try {
    await rm(file, { force: true });
  } catch (error) {
    throw new ToolError(
      'file_cleanup_failed',
      `Could not delete the stale output file ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
