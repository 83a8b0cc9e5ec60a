import type { Message } from '../core/messages.js';
import type { StoredMessage } from '../core/thread-store.js';
import { COMPACTION_SUMMARY_HEADER } from '../providers/normalize-history.js';

/** How the summary message of a compacted history begins. */
const SUMMARY_START = `${COMPACTION_SUMMARY_HEADER}\n`;

/**
 * Whether a stored message starts a compacted history: the summary message that client-side
 * compaction puts in place of the older turns. A run that compacted writes its whole compacted
 * history after the thread's messages, starting with that summary.
 */
const isCompactionRoot = (message: Message): boolean =>
  message.role === 'user' && typeof message.content === 'string' && message.content.startsWith(SUMMARY_START);

/**
 * The history a thread's next run starts from: every stored message, or, once a run compacted
 * the conversation on the gateway's side, the compacted history it wrote (from its summary on).
 * The older messages stay stored and readable; the model does not read them again, so a long
 * thread is compacted once and stays compacted. Compaction done by the provider (a `compaction`
 * block in an assistant message) keeps every message in place: the provider drops what it
 * summarised.
 */
export function modelViewOf(stored: readonly StoredMessage[]): Message[] {
  let start = 0;
  for (let index = stored.length - 1; index > 0; index -= 1) {
    if (isCompactionRoot((stored[index] as StoredMessage).message)) {
      start = index;
      break;
    }
  }
  // One array, once per run of a thread (its history may be long).
  const view = new Array<Message>(stored.length - start);
  for (let index = start; index < stored.length; index += 1) {
    view[index - start] = (stored[index] as StoredMessage).message;
  }
  return view;
}

const sameMessage = (left: Message | undefined, right: Message | undefined): boolean =>
  left === right || JSON.stringify(left) === JSON.stringify(right);

/** An assistant message whose tool calls never got their results (a run cut short). */
const hasUnansweredToolCalls = (message: Message | undefined): boolean =>
  message?.role === 'assistant' &&
  Array.isArray(message.content) &&
  message.content.some((block) => block.type === 'tool_use');

/**
 * What a run adds to its thread, given the history it started from (`input`, of which the
 * first `storedCount` messages are stored already) and the history it ended with (`output`,
 * undefined when the runner gave none back): the client's new messages and every assistant and
 * tool-result message the run produced. A run that compacted its history on the gateway's side
 * no longer extends its input: the client's new messages are added, then the messages the run
 * produced before it compacted (`compacted`), then its whole compacted history (see `modelViewOf`, and `displayViewOf` for what a person reads back). A
 * trailing assistant message whose tool calls have no results is left out, so the next run does
 * not start from a call without its answer.
 */
export function messagesToAppend(
  input: readonly Message[],
  storedCount: number,
  output: readonly Message[] | undefined,
  compacted: readonly Message[] = [],
): Message[] {
  let added: Message[];
  if (output === undefined) added = input.slice(storedCount);
  else if (compacted.length === 0 && output.length >= input.length && sameMessage(output[0], input[0]))
    added = output.slice(storedCount);
  // Compacted: the client's new messages first (the summary may have swallowed them, and a
  // person reading the thread back must still see them), then what the run said before it
  // compacted (`compacted`, from the run's result), then the whole compacted history.
  else added = [...input.slice(storedCount), ...compacted, ...output];
  while (hasUnansweredToolCalls(added.at(-1))) added.pop();
  return added;
}

/**
 * The conversation as a person reads it back (a chat UI after a reload): every stored message in
 * order, without what compaction on the gateway's side wrote for the model only: its summary
 * message, and the recent turns a compacted history repeats after it (stored already, before
 * the summary). Messages are the stored records, so their `seq` still names them.
 */
export function displayViewOf(stored: readonly StoredMessage[]): StoredMessage[] {
  const shown: StoredMessage[] = [];
  const keys = stored.map((entry) => JSON.stringify(entry.message));
  let index = 0;
  while (index < stored.length) {
    const entry = stored[index];
    if (entry === undefined) break;
    if (!isCompactionRoot(entry.message)) {
      shown.push(entry);
      index += 1;
      continue;
    }
    // The longest run after the summary that repeats the messages stored just before it.
    const before = keys.slice(0, index);
    const after = keys.slice(index + 1);
    let repeated = 0;
    for (let start = Math.max(0, before.length - after.length); start < before.length; start += 1) {
      const length = before.length - start;
      if (before[start] === after[0] && before.slice(start).every((key, offset) => key === after[offset])) {
        repeated = length;
        break;
      }
    }
    index += 1 + repeated;
  }
  return shown;
}
