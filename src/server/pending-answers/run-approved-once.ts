import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunApprovedOnce } from '../../core/approval.js';
import type { SuspendedRunStore } from '../../core/suspended-run-store.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { ToolCall, ToolOutcome } from '../../core/tool.js';
import { cancelledFailure, toolFailure } from '../../tools/tool-failure.js';
import type { GatewayDatabase } from '../database/gateway-database.js';

/** How often a path that lost the claim looks for the winner's outcome. */
const OUTCOME_POLL_MS = 50;
/**
 * How long it looks at most: a winner that died while its tool ran never records an outcome,
 * and the call is then reported `interrupted`, never run again.
 */
const OUTCOME_WAIT_MS = 10 * 60_000;

/** Options of `runApprovedOnceOf`. */
export interface RunApprovedOnceOptions {
  /** The app's database and `server.suspendAfterMs` (the claim is taken only when answers are kept). */
  config: { database?: Pick<GatewayDatabase, 'current'> | undefined; suspendAfterMs: number | false };
  runId: string;
  report: (error: unknown, where: string) => void;
  /** Overrides of the outcome's polling, for tests. */
  pollMs?: number;
  waitMs?: number;
}

/**
 * The run's `RunApprovedOnce` over the call's answer slot (`SuspendedRunStore.claimExecution`):
 * before an approved tool runs, its execution is claimed in the database, so that of the live
 * run and the run resumed from its suspension (on any instance) only one runs it; the other
 * continues with the outcome the winner recorded. Undefined when answers are not kept (no
 * database, or suspension off): then no second path can hold the approval. A claim that cannot
 * be taken fails closed: the tool does not run and the model reads `execution_unclaimed`.
 */
export function runApprovedOnceOf(options: RunApprovedOnceOptions): RunApprovedOnce | undefined {
  const { config, runId, report } = options;
  if (config.database?.current()?.suspendedRuns === undefined || config.suspendAfterMs === false)
    return undefined;
  // This incarnation of the run (a resumed run claims under a name of its own), named at its
  // first approved call: most runs never make one.
  let claimer: string | undefined;
  return async function runApprovedOnce(call, execute, signal): Promise<ToolOutcome> {
    const store = config.database?.current()?.suspendedRuns;
    if (store === undefined) return unclaimed(call);
    claimer ??= `${runId}:${randomUUID()}`;
    let claim: Awaited<ReturnType<SuspendedRunStore['claimExecution']>>;
    try {
      claim = await store.claimExecution(runId, call.id, claimer);
    } catch (error) {
      report(error, `claiming the execution of ${call.id}`);
      return unclaimed(call);
    }
    if (claim === 'unkept') return execute();
    if (claim === 'taken') return outcomeOfWinner({ ...options, store, call, signal });
    const outcome = await execute();
    await store
      .recordExecution(runId, call.id, claimer, toJson(outcome))
      .catch((error: unknown) => report(error, `recording the outcome of ${call.id}`));
    return outcome;
  };
}

/** The failure the model reads when the claim could not be taken: the tool did not run. */
const unclaimed = (call: ToolCall): ToolOutcome =>
  toolFailure(
    'execution_unclaimed',
    `Tool '${call.name}' was approved but did not run: its execution could not be claimed (database unavailable)`,
  );

/** What a path that lost the claim continues with: the outcome the winner recorded. */
async function outcomeOfWinner(
  options: RunApprovedOnceOptions & { store: SuspendedRunStore; call: ToolCall; signal: AbortSignal },
): Promise<ToolOutcome> {
  const { store, runId, call, signal, report } = options;
  const deadline = Date.now() + (options.waitMs ?? OUTCOME_WAIT_MS);
  while (!signal.aborted) {
    try {
      const recorded = (await store.executionOf(runId, call.id))?.outcome;
      if (recorded !== undefined) return fromJson(recorded, call);
    } catch (error) {
      report(error, `reading the outcome of ${call.id}`);
    }
    if (Date.now() >= deadline) return interrupted(call);
    await sleep(options.pollMs ?? OUTCOME_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
  return cancelledFailure();
}

/** The winner's outcome never came: the call may have run, and is not run again. */
const interrupted = (call: ToolCall): ToolOutcome =>
  toolFailure(
    'interrupted',
    `Tool '${call.name}' was approved and started elsewhere, and its outcome never arrived; it was not run again`,
  );

/** An outcome as JSON (a result that is not JSON is stored as JSON would write it). */
const toJson = (outcome: ToolOutcome): JsonValue => JSON.parse(JSON.stringify(outcome)) as JsonValue;

/** The recorded outcome back as a `ToolOutcome`; a record of another shape reads as `interrupted`. */
function fromJson(recorded: JsonValue, call: ToolCall): ToolOutcome {
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return interrupted(call);
  const server = typeof recorded['server'] === 'string' ? recorded['server'] : null;
  if (recorded['ok'] === true) return { ok: true, result: recorded['result'] ?? null, server };
  const error = recorded['error'];
  if (typeof error === 'object' && error !== null && !Array.isArray(error)) {
    const { code, message } = error;
    if (typeof code === 'string' && typeof message === 'string')
      return { ok: false, error: { code, message }, server };
  }
  return interrupted(call);
}
