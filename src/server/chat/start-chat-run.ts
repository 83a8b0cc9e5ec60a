import type { ChatRunner } from '../contracts/gateway-config.js';
import { createSuspenderOf } from '../pending-answers/suspender-of.js';
import { attachRunObservers } from './attach-run-observers.js';
import { channelOf } from './channel-of.js';
import { continuationNotice, emitterOf } from './chat-run-emitter.js';
import type { ChatRunParts } from './chat-run-parts.js';
import { openChatRunLog, recordChatRun } from './chat-run-record.js';
import { openChatRunTranscript } from './chat-run-transcript.js';
import { launchOf, releaseUnlaunched } from './launch-chat-run.js';
import { followDetachedRun, registerRun } from './register-run.js';
import { answerRequestsOf, requestContextOf } from './run-request-context.js';
import { refusedModel } from './run-model-check.js';
import { shareChatRun } from './share-chat-run.js';
import type { StartChatRunOptions, StartOutcome } from './start-chat-run-options.js';
import { subscribeSteering } from './subscribe-steering.js';
import { preAdmitRun } from './pre-admit-run.js';
import type { RunBudget } from '../../agent/model-call-meter.js';

/** Whether a builder answered later (a promise, or any thenable an app's builder returns). */
const isThenable = <T>(value: T | PromiseLike<T>): value is PromiseLike<T> =>
  typeof (value as Partial<PromiseLike<T>>).then === 'function';

/**
 * Starts a chat run, the same way for `POST /chat`, a run taken over from another instance and
 * a resumed one: builds the chat's runtime, checks its model against the allow-list, records the
 * run, opens its event log and transcript, wires observers, suspender and the questions to the
 * client, shares it, builds the runner, launches the run (its runner runs in the background)
 * and registers it. Whatever happens once launched, the run ends with exactly one terminal event
 * (unless it goes on elsewhere) and is released (`releaseChatRun`). The caller must already hold
 * the run lock (or the claimed lease). Only the registration may throw (the run then goes on
 * unregistered).
 */
export async function startChatRun(options: StartChatRunOptions): Promise<StartOutcome> {
  const { config, stores, session, body, run, registration, threadLock, slot, suspendedRuns } = options;
  const { report } = registration;
  /** The run's budget once admitted: its first call's hold is given back if the run never starts. */
  let budget: RunBudget | undefined;
  try {
    // Each step that may answer at once is awaited only when it did not: an await is a turn of
    // the microtask queue and a promise per step, on every chat.
    const building = config.buildChatRuntime({ session, request: body, channel: channelOf(body.context) });
    const runtime = isThenable(building) ? await building : building;
    const refused = refusedModel(config, options.allowedModels, runtime.model, body.model ?? undefined);
    if (refused !== undefined) return { status: 'modelNotAllowed', model: refused.model };
    const model = runtime.model ?? body.model ?? config.defaultModel;
    // Before anything is recorded: a refused run answers its status and leaves no trace.
    const admitted = config.budgetGate === undefined ? undefined : await preAdmitRun(options, runtime, model);
    if (admitted !== undefined && 'refused' in admitted) {
      return { status: 'budgetRefused', refusal: admitted.refused.refusal };
    }
    budget = admitted?.budget;
    run.budgetStanding = budget?.admitted?.standing;
    const recordingStart = recordChatRun(options, model);
    const recording = recordingStart instanceof Promise ? await recordingStart : recordingStart;
    const eventLog = openChatRunLog(options, recording);
    const transcript = openChatRunTranscript(options);
    const detachObservers = attachRunObservers(eventLog, run.sessionId, config, transcript, report);
    const suspender = createSuspenderOf({ config, stores, run, session, body, model, recording, report });
    const emit = emitterOf(eventLog, suspender);
    if (options.continuation !== undefined) emit(continuationNotice(options.continuation));
    const answers = answerRequestsOf(options, emit, recording, suspender);
    const sharingStart = shareChatRun(options, eventLog, detachObservers, transcript);
    const sharing = sharingStart === undefined ? undefined : await sharingStart;
    // Steering sent through another instance (a local one pushes to the run's queue).
    const steerSubscription =
      options.shared === undefined ? undefined : subscribeSteering(stores, run, report);
    const parts: ChatRunParts = {
      options,
      run,
      runtime,
      model,
      emit,
      eventLog,
      recording,
      transcript,
      detachObservers,
      suspender,
      sharing,
      steerSubscription,
      threadLock,
      slot,
      stores,
      suspendedRuns,
      report,
      ended: undefined,
      budget,
    };
    const context = requestContextOf(parts, answers);
    let runner: ChatRunner;
    try {
      const creating = runtime.createRunner(context);
      runner = isThenable(creating) ? await creating : creating;
    } catch (error) {
      await releaseUnlaunched(parts, error);
      throw error;
    }
    run.launch(launchOf(parts, runner));
  } catch (error) {
    await budget?.admitted?.release().catch((failure: unknown) => report(failure, 'budget release'));
    return { status: 'failed', error };
  }
  const registering = registerRun(run, session.apiKeyHash, registration, options.continuation !== undefined);
  if (registering !== undefined) await registering;
  if (body.detached === true) followDetachedRun(run, registration.runs);
  return { status: 'started' };
}
