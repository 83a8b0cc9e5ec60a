import type { Logger } from '../../../core/logger.js';

/** One recorded log call. */
export interface RecordedLogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  details: Record<string, unknown> | undefined;
}

/** An `Logger` that keeps every line, so tests can assert on what was reported. */
export function createRecordingMcpLogger(): { logger: Logger; lines: RecordedLogLine[]; text(): string } {
  const lines: RecordedLogLine[] = [];
  const record =
    (level: RecordedLogLine['level']) =>
    (message: string, details?: Record<string, unknown>): void => {
      lines.push({ level, message, details });
    };
  return {
    logger: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') },
    lines,
    text: () => lines.map(({ level, message }) => `${level}: ${message}`).join('\n'),
  };
}
