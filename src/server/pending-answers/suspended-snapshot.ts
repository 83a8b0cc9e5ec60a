import type { Message } from '../../core/messages.js';
import type { RunCheckpoint } from '../../core/run-takeover.js';
import type { SuspendedRun } from '../../core/suspended-run-store.js';
import type { JsonObject } from '../../core/thread-store.js';
import type { DatabaseStores } from '../../core/database-stores.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { modelViewOf } from '../../agent/thread-history.js';
import { loadThreadTurnOf } from '../threads/thread-store-calls.js';

/** Where a suspended run stood: what the resumed run continues from. */
export interface SnapshotParts {
  request: ChatRunRequest;
  checkpoint: RunCheckpoint;
  /** The sequence number the resumed run writes after. */
  lastSeq: number;
  model: string | null;
}

/** How a snapshot left out the history its thread holds (`threadHistory` of the stored form). */
interface ThreadHistoryLeftOut {
  /** How many messages of the request's history the thread holds (its model view). */
  stored: number;
  /** How many of the client's new messages follow them, at the head of the checkpoint's tail. */
  added: number;
}

const asJson = (value: unknown): JsonObject => JSON.parse(JSON.stringify(value)) as JsonObject;

const sameMessages = (left: readonly Message[], right: readonly Message[]): boolean =>
  left.length === right.length && JSON.stringify(left) === JSON.stringify(right);

/**
 * How a snapshot left out the request's own input, which opens the checkpoint's conversation
 * (`requestInput` of the stored form): its first `count` messages are the request's `history`,
 * or, when `history` is false, its `messages` (plain text, as a native chat body holds them).
 */
interface RequestInputLeftOut {
  count: number;
  history: boolean;
}

/**
 * The stored form of a suspended run, with every message once: a run that continues a thread
 * leaves out the thread's history (read again, owner-checked and of the same generation, when it
 * resumes), and its request keeps neither its history nor its messages, which open the
 * checkpoint's conversation. A run without a thread leaves out its request's input the same way
 * (it opens the conversation too). A run whose conversation does not extend its request's input
 * (it compacted on the gateway's side) is stored whole.
 */
export function snapshotOf(parts: SnapshotParts): JsonObject {
  const { request, checkpoint } = parts;
  const thread = request.thread;
  const history = request.history;
  const conversation = checkpoint.messages;
  if (thread?.epoch === undefined || history === undefined || !opens(conversation, history)) {
    return thread === undefined ? withoutRequestInput(parts) : asJson(parts);
  }
  const added = history.slice(thread.storedCount);
  // The client's messages come back from the conversation; a message that is not plain text
  // (which a native chat body cannot hold) keeps them in the request instead.
  const plain = added.every((message) => typeof message.content === 'string');
  const { history: _history, messages, ...rest } = request;
  const leftOut: ThreadHistoryLeftOut = { stored: thread.storedCount, added: added.length };
  return asJson({
    ...parts,
    request: plain ? rest : { ...rest, messages },
    checkpoint: { ...checkpoint, messages: conversation.slice(thread.storedCount) },
    threadHistory: leftOut,
  });
}

/** Whether `conversation` starts with `input`. */
const opens = (conversation: readonly Message[], input: readonly Message[]): boolean =>
  conversation.length >= input.length && sameMessages(conversation.slice(0, input.length), input);

/** The messages of a native chat body as the runner reads them. */
const modelInputOf = (messages: ChatRunRequest['messages']): Message[] =>
  messages.map((message) => ({ role: message.role, content: message.content }));

/**
 * The stored form of a run without a thread: its request without the input that opens the
 * checkpoint's conversation (its `history`, else its `messages`); whole when the conversation
 * does not start with that input.
 */
function withoutRequestInput(parts: SnapshotParts): JsonObject {
  const { request, checkpoint } = parts;
  const conversation = checkpoint.messages;
  if (request.history !== undefined) {
    if (!opens(conversation, request.history)) return asJson(parts);
    const { history, ...rest } = request;
    const leftOut: RequestInputLeftOut = { count: history.length, history: true };
    return asJson({ ...parts, request: rest, requestInput: leftOut });
  }
  if (!opens(conversation, modelInputOf(request.messages))) return asJson(parts);
  const { messages, ...rest } = request;
  const leftOut: RequestInputLeftOut = { count: messages.length, history: false };
  return asJson({ ...parts, request: rest, requestInput: leftOut });
}

/** The snapshot with the request input `withoutRequestInput` left out put back; undefined when unreadable. */
function withRequestInput(snapshot: JsonObject, leftOut: unknown): JsonObject | undefined {
  const count = field(leftOut, 'count');
  const history = field(leftOut, 'history');
  const request = snapshot['request'];
  const conversation = field(snapshot['checkpoint'], 'messages');
  if (
    typeof count !== 'number' ||
    !Number.isSafeInteger(count) ||
    typeof history !== 'boolean' ||
    typeof request !== 'object' ||
    request === null ||
    !Array.isArray(conversation) ||
    conversation.length < count
  ) {
    return undefined;
  }
  const head = (conversation as Message[]).slice(0, count);
  const input = history
    ? { history: head }
    : { messages: head.map((message) => ({ role: message.role, content: message.content })) };
  return asJson({ ...snapshot, request: { ...request, ...input }, requestInput: undefined });
}

const isLeftOut = (value: unknown): value is ThreadHistoryLeftOut =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger(Reflect.get(value, 'stored')) &&
  Number.isSafeInteger(Reflect.get(value, 'added'));

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;

/**
 * The suspended run's snapshot in its whole form (`request`, `checkpoint`, `lastSeq`, `model`),
 * with the request input `snapshotOf` left out put back from the conversation it opens, and the
 * history it left out read back from the run's thread, for the run's owner;
 * undefined when that thread is gone, another owner's or of another generation (the run cannot
 * resume as it stood). A snapshot stored whole is returned as it is.
 */
export async function expandSnapshot(
  database: DatabaseStores | undefined,
  run: SuspendedRun,
): Promise<JsonObject | undefined> {
  const { snapshot } = run;
  const inputLeftOut = snapshot['requestInput'];
  if (inputLeftOut !== undefined) return withRequestInput(snapshot, inputLeftOut);
  const leftOut = snapshot['threadHistory'];
  if (leftOut === undefined) return snapshot;
  const request = snapshot['request'];
  const checkpoint = snapshot['checkpoint'];
  const tail = field(checkpoint, 'messages');
  const epoch = field(field(request, 'thread'), 'epoch');
  if (!isLeftOut(leftOut) || !Array.isArray(tail) || database === undefined || run.threadId === null) {
    return undefined;
  }
  const read = await loadThreadTurnOf(database, run.owner, run.threadId);
  if (read === undefined || read.epoch !== epoch) return undefined;
  const head = modelViewOf(read.messages).slice(0, leftOut.stored);
  if (head.length !== leftOut.stored) return undefined;
  const rest = tail as Message[];
  const added = rest.slice(0, leftOut.added);
  const messages =
    field(request, 'messages') ?? added.map((message) => ({ role: message.role, content: message.content }));
  return asJson({
    ...snapshot,
    request: { ...(request as object), history: [...head, ...added], messages },
    checkpoint: { ...(checkpoint as object), messages: [...head, ...rest] },
    threadHistory: undefined,
  });
}
