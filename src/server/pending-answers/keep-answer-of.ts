import type { JsonValue } from '../../core/thread-store.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { SubmitAnswerOptions } from './submit-pending-answer.js';

/**
 * With a database (and suspension on), an answer is kept there before it is acknowledged, so
 * that a run taken over or resumed elsewhere finds it (`keptAnswersOfRun`); without one, nothing
 * is kept. The answering session is stored with the answer, in the call's one answer slot: the
 * outcome says whether this answer took it.
 */
export function keepAnswerOf(
  config: Pick<GatewayServerConfig, 'database' | 'suspendAfterMs'>,
  sessionId: string,
): Pick<SubmitAnswerOptions<unknown>, 'keepAnswer'> {
  const store = config.database?.current()?.suspendedRuns;
  if (store === undefined || config.suspendAfterMs === false) return {};
  return {
    keepAnswer: async (call, nonce, message) => {
      // A run started here moments ago may still be writing its record, which the answer refers to.
      await config.database?.runStarted(call.runId);
      return store.keepAnswer(
        call.runId,
        call.toolCallId,
        JSON.parse(JSON.stringify(message)) as JsonValue,
        sessionId,
        nonce,
      );
    },
  };
}
