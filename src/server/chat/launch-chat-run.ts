import { describeFailureForClient } from '../../agent/describe-failure-for-client.js';
import { formatErrorChain } from '../../agent/format-error-chain.js';
import type { RunOptions } from '../../agent/agent-loop-input.js';
import type { ChatRunner } from '../contracts/gateway-config.js';
import { endUserIdOf } from '../contracts/session-owner.js';
import type { ChatRunParts } from './chat-run-parts.js';
import type { ChatRunLaunch } from './chat-run.js';
import { logRunEnd } from './log-run-end.js';
import { releaseChatRun } from './release-chat-run.js';

/**
 * What the run does once launched: runs `runner` (`executeChatRun`), hands the run over where
 * runs can be taken over (with run leases: checkpoints), suspends it where a database keeps
 * suspended runs, and releases it (`releaseChatRun`).
 */
export function launchOf(parts: ChatRunParts, runner: ChatRunner): ChatRunLaunch {
  const { sharing, suspender } = parts;
  const launch: ChatRunLaunch = {
    execute: (signal) => executeChatRun(parts, runner, signal),
    release: () => releaseChatRun(parts),
  };
  if (sharing?.saveCheckpoint !== undefined) launch.handOver = () => sharing.handOver();
  if (suspender !== undefined) launch.suspendIfWaiting = () => suspender.suspendNow();
  return launch;
}

/**
 * The runner could not be built: the run never ran. It is recorded as failed (written off the
 * request path), not left running, and released.
 */
export function releaseUnlaunched(parts: ChatRunParts, error: unknown): Promise<void> {
  parts.ended = parts.recording?.finish({ thrown: error, cancelled: false });
  parts.ended?.catch((failure: unknown) => parts.report(failure, 'database'));
  return releaseChatRun(parts);
}

/**
 * Runs the runner over the run's history (or from its checkpoint, for a run continued or
 * resumed), then writes its end: not when it goes on elsewhere (recorded there) or was suspended
 * (recorded when resumed), and not awaited (the session is let go while the end is written;
 * what reads it waits for it). A failure not caused by the run's own abort is reported, logged
 * and told to the client as the run's `error` event. Never rejects.
 */
export async function executeChatRun(
  parts: ChatRunParts,
  runner: ChatRunner,
  signal: AbortSignal,
): Promise<void> {
  const { options, run, runtime, model, recording, report } = parts;
  const { body, session, config } = options;
  const { runId, sessionId } = run;
  try {
    const checkpoint = options.continuation?.checkpoint ?? options.resumption?.checkpoint;
    // Optional fields set when present rather than spread in: one literal per chat, no copies.
    const input: RunOptions = {
      messages:
        checkpoint?.messages ??
        body.history ??
        body.messages.map((message) => ({
          role: message.role === 'assistant' ? 'assistant' : 'user',
          content: message.content,
        })),
      systemPrompt: runtime.systemPrompt,
      runId,
      endUserId: endUserIdOf(session),
      signal,
      steering: () => run.steering.take(),
    };
    if (checkpoint !== undefined) input.resume = checkpoint;
    if (model !== undefined) input.model = model;
    if (runtime.maxTurns !== undefined) input.maxTurns = runtime.maxTurns;
    if (parts.budget !== undefined) input.budget = parts.budget;
    const result = await runner.run(input);
    run.steering.close();
    if (!run.goesOnElsewhere && !run.suspended) parts.ended = recording?.finish({ result });
    logRunEnd(config.logger, { runId, sessionId }, result, run.suspension);
  } catch (error) {
    if (!signal.aborted) {
      report(error, 'chat run');
      const told = describeFailureForClient(error);
      config.logger.error('run failed', {
        runId,
        sessionId,
        code: told.code,
        error: formatErrorChain(error),
      });
      parts.emit({ type: 'error', error: told.message, code: told.code });
    }
    if (!run.goesOnElsewhere && !run.suspended) {
      parts.ended = recording?.finish({ thrown: error, cancelled: signal.aborted });
    }
  }
}
