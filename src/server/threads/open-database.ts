import { GatewayError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ThreadStore } from '../../core/thread-store.js';
import type { DatabaseOption } from './database-option.js';

/** Opens the SQL store that `server.database` names (migrations included). */
export function openDatabase(
  option: DatabaseOption,
  _context: { logger: Logger; signal?: AbortSignal },
): Promise<ThreadStore> {
  return Promise.reject(
    new GatewayError(
      'store_unavailable',
      `server.database ${JSON.stringify(typeof option === 'string' ? option : Object.keys(option))}: ` +
        'the SQL engines are not available in this build',
    ),
  );
}
