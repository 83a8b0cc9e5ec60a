import {
  createMockUpstream,
  type MockUpstream,
  type RecordedUpstreamRequest,
} from '../../../src/testing/mock-upstream/mock-upstream.js';
import type { MockTurn } from '../../../src/testing/mock-upstream/mock-turn.js';
import { httpErrorTurn } from '../../../src/testing/scripted-turn.js';
import type { CleanupStack } from '../../helpers/cleanup-stack.js';

/**
 * One mock Anthropic upstream shared by every gateway process of a test file, scripted test by
 * test: whichever instance asks gets the next turn of the current test's script.
 */
export interface SharedUpstream {
  /** The Anthropic `baseURL` the gateway processes use. */
  readonly url: string;
  readonly upstream: MockUpstream;
  /** Appends model turns to the current test's script. */
  script(...turns: MockTurn[]): void;
  /**
   * Starts a new test: forgets what is left of the previous script (a failed test must not
   * feed its turns to the next one) and of its unexpected requests.
   */
  reset(): void;
  /** The requests received since the last `reset()`, in arrival order. */
  requestsOfTest(): RecordedUpstreamRequest[];
  /** Throws when turns of the current script are left, or a request found none. */
  assertScriptConsumed(): void;
}

/**
 * Starts the shared upstream on 127.0.0.1 and registers its `close()` on `cleanup`. A request
 * that finds the script empty is answered 400 (the gateway ends that run with an error) and
 * recorded, so that `assertScriptConsumed` names it.
 */
export async function startSharedUpstream(cleanup: CleanupStack): Promise<SharedUpstream> {
  const turns: MockTurn[] = [];
  const unexpected: string[] = [];
  let firstRequestOfTest = 0;
  const upstream = cleanup.add(
    await createMockUpstream({
      respond: (request) => {
        const turn = turns.shift();
        if (turn !== undefined) return turn;
        unexpected.push(`unexpected upstream request: ${JSON.stringify(request.body)}`);
        return httpErrorTurn(400, { message: 'no scripted turn left' });
      },
    }),
    (server) => server.close(),
  );
  return {
    url: upstream.url,
    upstream,
    script: (...more) => void turns.push(...more),
    reset() {
      turns.length = 0;
      unexpected.length = 0;
      firstRequestOfTest = upstream.requests.length;
    },
    requestsOfTest: () => upstream.requests.slice(firstRequestOfTest),
    assertScriptConsumed() {
      if (turns.length > 0) throw new Error(`${turns.length} scripted turn(s) were never requested`);
      if (unexpected.length > 0) throw new Error(unexpected.join('\n'));
    },
  };
}
