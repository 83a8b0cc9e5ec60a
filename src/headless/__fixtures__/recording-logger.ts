import type { Logger } from '../../core/logger.js';
import { silentLogger } from '../../core/logger.js';

/** A silent logger that keeps its warnings, for asserting on non-fatal failures. */
export function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message) => void warnings.push(message) };
}
