import type { BudgetRefusal } from '../../core/budget-gate.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { JsonValue } from '../../core/thread-store.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import type { RunResumption } from '../pending-answers/run-resumption.js';
import type { SuspendedRuns } from '../pending-answers/suspended-runs.js';
import type { ChatRunLifecycle } from './chat-run.js';
import type { RegisterRunDependencies } from './register-run.js';
import type { RunSlot } from './run-caps.js';
import type { SharedRunSettings } from './share-run.js';
import type { ThreadLock } from './thread-locks.js';

/** Everything `startChatRun` needs. */
export interface StartChatRunOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  session: SessionRecord;
  body: ChatRunRequest;
  /**
   * Models a run may use (empty: any, when `config.allowedModels` or `config.defaultModel` is
   * set; with neither, a request may not name a model and the runtime's is used).
   */
  allowedModels: ReadonlySet<string>;
  /** The run to start, still `starting` (or `lost`, for a takeover lost meanwhile). */
  run: ChatRunLifecycle;
  /**
   * Set when the stores are shared: this instance's id and how long a finished run stays
   * readable. The run is then recorded in the run directory, its events mirrored into the
   * shared event log store, and a cancel published on `BusChannel.cancelRun` reaches it.
   */
  shared?: SharedRunSettings | undefined;
  /** Set when this instance continues a run another instance started (and died running). */
  continuation?: RunContinuation | undefined;
  /** Set when the run resumes from a suspension (its answers arrived). */
  resumption?: RunResumption | undefined;
  /**
   * The lock of the thread the run continues, taken by the caller: given back when the run ends
   * here (once its messages are written, when the stores are shared: a run on another instance
   * reads the thread from the database), left to the instance the run moves to otherwise.
   */
  threadLock?: ThreadLock | undefined;
  /** Where the started run is registered as its session's active run. */
  registration: RegisterRunDependencies;
  /**
   * The run's slot under its API key's caps (admitted by the caller, who gives it back unless
   * the run started): every call that waits for a client's answer is counted in it, and it is
   * given back when the run ends (or left to the instance the run moved to).
   */
  slot: RunSlot;
  /**
   * The app's suspended runs: once the run let go of the hold its suspension was written under,
   * it is resumed through them when every call it waits for was answered meanwhile (an answer
   * stored while it was held could not resume it).
   */
  suspendedRuns?: Pick<SuspendedRuns, 'resumeIfAnswered'> | undefined;
}

/** What a run taken over from another instance continues from. */
export interface RunContinuation {
  /** The lease epoch this instance's claim got. */
  epoch: number;
  /** The last sequence number already in the shared log: this instance writes after it. */
  afterSeq: number;
  /** Where the run stood; undefined when it died before its first checkpoint. */
  checkpoint: RunCheckpoint | undefined;
  /**
   * Answers to its unfinished calls that were acknowledged to the client before the run moved
   * here (kept in the database), by tool call id: used instead of asking again.
   */
  answers?: ReadonlyMap<string, JsonValue>;
}

/**
 * How a start went: `started` (launched and registered), `modelNotAllowed` (the runtime's or
 * request's model is not in `allowedModels`), `budgetRefused` (a budget refused its first model
 * call) or `failed` (the runtime, the sharing or the
 * runner could not be set up). Unless it started, the run did not launch: the caller cleans up
 * what it holds (the session lock, or the claimed lease) and gives the run up.
 */
export type StartOutcome =
  | { status: 'started' }
  | { status: 'modelNotAllowed'; model: string | undefined }
  | { status: 'budgetRefused'; refusal: BudgetRefusal }
  | { status: 'failed'; error: unknown };
