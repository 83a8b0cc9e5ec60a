import { GatewayError } from '../../core/errors.js';

/**
 * The message of the `GatewayError('invalid_option')` that `run` throws; fails the test when
 * `run` accepts the options or throws anything else.
 */
export function invalidOptionMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError && error.code === 'invalid_option') return error.message;
    throw error;
  }
  throw new Error('the options were accepted');
}
