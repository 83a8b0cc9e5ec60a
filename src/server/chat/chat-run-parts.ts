import type { RunBudget } from '../../agent/model-call-meter.js';
import type { GatewayEvent } from '../../core/events.js';
import type { GatewayStores } from '../../core/stores.js';
import type { ChatRuntime } from '../contracts/gateway-config.js';
import type { RunSuspender } from '../pending-answers/run-suspender.js';
import type { RunRecording } from '../threads/run-recorder.js';
import type { ChatRunEventLog } from './chat-run-event-log.js';
import type { ChatRunLifecycle } from './chat-run.js';
import type { ReleasableRun } from './release-chat-run.js';
import type { RunSlot } from './run-caps.js';
import type { SharedRun } from './share-run.js';
import type { StartChatRunOptions } from './start-chat-run-options.js';
import type { ThreadLock } from './thread-locks.js';
import type { TranscriptWriter } from './transcript-writer.js';

/**
 * What `startChatRun`'s phases set up for one run, gathered in one object once the run is
 * shared: what its runner is lent (`requestContextOf`), what it runs with (`launchOf`) and what
 * its release frees (`releaseChatRun`).
 */
export interface ChatRunParts extends ReleasableRun {
  readonly options: StartChatRunOptions;
  readonly run: ChatRunLifecycle;
  readonly runtime: ChatRuntime;
  /** The run's model: the runtime's, else the request's, else `defaultModel`. */
  readonly model: string | undefined;
  /** Writes into the run's log, through its suspender (`emitterOf`). */
  readonly emit: (event: GatewayEvent) => void;
  readonly eventLog: ChatRunEventLog;
  readonly recording: RunRecording | undefined;
  readonly transcript: TranscriptWriter | undefined;
  readonly suspender: RunSuspender | undefined;
  readonly sharing: SharedRun | undefined;
  readonly threadLock: ThreadLock | undefined;
  readonly slot: RunSlot;
  readonly stores: GatewayStores;
  /** The gateway budgets the run spends under, its first call admitted (none without budgets). */
  readonly budget: RunBudget | undefined;
}
