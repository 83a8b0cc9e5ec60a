import type { HttpGatewayClient } from './gateway-client.js';
import { waitFor } from './wait-for.js';

/**
 * Starts a chat once the session's stream lock is free. A cancelled run releases the lock in
 * its teardown, a moment after the cancellation, so a 409 before that is expected and retried
 * (bounded); a lock that is never released fails the test.
 */
export function chatWhenFree(gateway: HttpGatewayClient, token: string, message: string): Promise<Response> {
  return waitFor(
    async () => {
      const response = await gateway.chat(token, message);
      if (response.status !== 409) return response;
      await response.body?.cancel();
      return undefined;
    },
    { description: 'the session lock to be released' },
  );
}
