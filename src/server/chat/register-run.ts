import type { GatewayStores } from '../../core/stores.js';
import type { HttpLimits } from '../rate-limit/create-http-limits.js';
import { isSharedStores, trackRemoteFollowers } from './remote-runs.js';
import type { RunRegistry } from './run-registry.js';
import type { ChatRun } from './chat-run.js';
import type { RunCaps } from './run-caps.js';

/** What `registerRun` needs from the app. */
export interface RegisterRunDependencies {
  runs: RunRegistry;
  stores: GatewayStores;
  /** Whether runs are shared with other instances (remote followers are then counted). */
  shared: boolean;
  limits: HttpLimits;
  /** Caps per API key on runs and pending answers. */
  caps: RunCaps;
  report: (error: unknown, where: string) => void;
}

/** Input plus output tokens of a finished run, from its `stream_complete` event. */
const tokensUsed = (run: ChatRun): number => {
  const last = run.eventLog.entries(run.eventLog.lastSeq - 1)[0]?.event;
  if (last?.type !== 'stream_complete') return 0;
  const { input_tokens: input, output_tokens: output } = last.usage;
  return (typeof input === 'number' ? input : 0) + (typeof output === 'number' ? output : 0);
};

/**
 * Makes a started run this instance's active run of its session: registered for re-attach and
 * cancel, its followers on other instances counted, and its tokens charged to the API key's
 * budget when it ends. Shared by `POST /chat` and the takeover of another instance's run
 * (`tookOver`: the followers that joined before are then asked to announce themselves again).
 * Registered at once; the promise, when runs are shared, settles once remote followers are tracked.
 */
export function registerRun(
  run: ChatRun,
  apiKeyHash: string,
  dependencies: RegisterRunDependencies,
  tookOver = false,
): Promise<void> | undefined {
  const { runs, stores, limits, report } = dependencies;
  runs.add(run);
  // Without a token budget nothing is charged: no callback at the run's end.
  const charge = limits.tokenBudget
    ? (): void => {
        limits
          .chargeTokens(apiKeyHash, tokensUsed(run))
          .catch((error: unknown) => report(error, 'token budget'));
      }
    : undefined;
  if (dependencies.shared && isSharedStores(stores)) {
    return trackRemoteFollowers(run, stores, runs, report, tookOver).then(() => {
      if (charge !== undefined) run.onDone(charge);
    });
  }
  if (charge !== undefined) run.onDone(charge);
  return undefined;
}

/** Nobody has to follow a background (`detached`) run: it counts as followed until it ends. */
export function followDetachedRun(run: ChatRun, runs: Pick<RunRegistry, 'follow'>): void {
  run.onDone(runs.follow(run));
}
