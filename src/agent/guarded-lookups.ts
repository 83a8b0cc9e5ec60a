import type { Logger } from '../core/logger.js';
import type { Provider } from '../core/provider.js';
import type { ToolExecutor } from '../core/tool.js';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Whether the provider has a credential; a throwing check counts as none (the run then answers
 * with the stub reply) and is logged.
 */
export function hasCredentialSafely(provider: Provider, logger: Logger): boolean {
  try {
    return provider.hasCredential();
  } catch (error) {
    logger.warn('provider.hasCredential() failed; answering with the stub reply', {
      error: messageOf(error),
    });
    return false;
  }
}

/**
 * Where a tool runs: the runner's hook, else the executor's, else `backend`. A throwing hook is
 * logged and the call runs on the backend.
 */
export function executionLocationSafely(
  toolName: string,
  hooks: {
    runner: ((toolName: string) => string | undefined) | undefined;
    tools: ToolExecutor;
  },
  logger: Logger,
): string {
  try {
    return hooks.runner?.(toolName) ?? hooks.tools.executionLocation?.(toolName) ?? 'backend';
  } catch (error) {
    logger.warn('executionLocation hook failed', { tool: toolName, error: messageOf(error) });
    return 'backend';
  }
}
