import { abortableSleep } from '../../agent/abortable-sleep.js';
import type { SessionRecord } from '../../core/stores.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { settledWithin } from '../database/settled-within.js';
import { callThreadStore } from '../threads/call-thread-store.js';
import { ownerOfSession } from '../threads/thread-wire.js';

/** How long a rollback waits for the cancelled run's end to reach the database. */
const RECORDED_TIMEOUT_MS = 30_000;
/**
 * How long it waits for a record of the run at all: the run's start is written as it starts
 * waiting for a person, and its client may answer with a rollback that very moment.
 */
const UNRECORDED_TIMEOUT_MS = 2_000;
const POLL_MS = 50;

/** Options of `rollBackRun`. */
export interface RollBackRunOptions {
  context: { config: GatewayServerConfig; report: (error: unknown, where: string) => void };
  session: SessionRecord;
  /** The cancelled run whose messages go. */
  runId: string;
  signal: AbortSignal;
}

/**
 * Drops what a cancelled run wrote to its thread (`multitask: "rollback"`): every message from
 * the first one the run appended (the user message that started it, its answers, a tool call
 * left unanswered), so that the thread ends where it stood before the run and every provider
 * accepts it again. Waits first for the run's end to be in the database (it is written by the
 * instance that ran it, after its terminal event). A run without a thread, or a gateway without
 * a database, has nothing stored to drop: the client holds the history and drops it itself.
 */
export async function rollBackRun(options: RollBackRunOptions): Promise<void> {
  const { context, session, runId, signal } = options;
  const { config, report } = context;
  if (config.database?.configured !== true) return;
  const owner = ownerOfSession(session);
  // A run of this instance whose start is still on its way to the database is written now and
  // waited for; a run of another instance is polled for below.
  await settledWithin(config.database.runStarted(runId), UNRECORDED_TIMEOUT_MS);
  const deadline = Date.now() + RECORDED_TIMEOUT_MS;
  const unrecordedDeadline = Date.now() + UNRECORDED_TIMEOUT_MS;
  for (;;) {
    const record = await callThreadStore(config.database, report, (store) => store.getRun(owner, runId));
    if (record?.threadId === null) return;
    if (record === undefined) {
      // Never recorded (a run that started no record), or not yet: its start or end lands soon.
      if (Date.now() > unrecordedDeadline) return;
    } else if (record.status !== 'running' || Date.now() > deadline) {
      const threadId = record.threadId;
      await callThreadStore(config.database, report, async (store) => {
        const messages = await store.loadMessages(owner, threadId);
        const first = messages?.find((message) => message.runId === runId);
        if (first !== undefined) await store.truncateMessages(owner, threadId, first.seq);
      });
      return;
    }
    await abortableSleep(POLL_MS, signal);
    if (signal.aborted) return;
  }
}
