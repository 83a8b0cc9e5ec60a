import { GatewayError, GatewayErrorCode } from '../../core/errors.js';

/**
 * SQLSTATE classes that mean the database cannot serve right now (connection exceptions,
 * insufficient resources, operator intervention such as a shutdown, system errors), rather than
 * something wrong with the statement.
 */
const UNAVAILABLE_CLASSES = new Set(['08', '53', '57', '58']);

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

/**
 * Whether `error` says the database is down or unreachable: a socket error or a timeout from
 * the driver (no SQLSTATE), or a SQLSTATE of the classes above. A statement the database
 * refused (a constraint, a syntax error) is not.
 */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof GatewayError) return false;
  const state = sqlState(error);
  return state === undefined || UNAVAILABLE_CLASSES.has(state.slice(0, 2));
}

/**
 * What a failure of the store call `what` becomes: a down database a
 * `GatewayError('store_unavailable')` (routes answer 503), any other failure itself.
 */
export function closedOver(what: string, error: unknown): unknown {
  if (!isUnavailable(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new GatewayError(
    GatewayErrorCode.StoreUnavailable,
    `thread store unavailable (${what}): ${reason}`,
    {
      cause: error,
    },
  );
}

/**
 * Runs `call`, turning a down database into `GatewayError('store_unavailable')` (routes answer
 * 503) and letting any other failure through unchanged.
 */
export async function failClosed<Value>(what: string, call: () => Promise<Value>): Promise<Value> {
  try {
    return await call();
  } catch (error) {
    throw closedOver(what, error);
  }
}
