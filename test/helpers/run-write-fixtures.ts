import type { Message } from '../../src/core/messages.js';
import type { RunRecordRow, ThreadOwner } from '../../src/core/thread-store.js';
import type { RunWrite } from '../../src/database/sql/run-write-batch.js';

/** The owner of every run the run-write-batch tests write. */
export const owner: ThreadOwner = { apiKeyHash: 'batch-key' };
/** The messages of an end as the batch takes them (serialized once by the caller). */
export const carrying = (messages: Message[]) => ({
  messagesJson: JSON.stringify(messages),
  messageCount: messages.length,
});
/** A user message. */
export const say = (content: string): Message => ({ role: 'user', content });
/** The record of a run that ended, `turns` turns long. */
export const ended = (id: string, threadId: string | null, turns = 1): RunRecordRow => ({
  id,
  threadId,
  owner,
  model: 'm',
  status: 'completed',
  outcomeCode: null,
  turns,
  usage: null,
  estimatedCostUsd: null,
  startedAt: 1,
  endedAt: 2,
});

/** The end of a run with no thread and no messages, `turns` turns long. */
export const threadlessEnd = (id: string, turns = 1): RunWrite => ({
  kind: 'finish',
  run: ended(id, null, turns),
  firstSeq: 0,
  ...carrying([]),
});
