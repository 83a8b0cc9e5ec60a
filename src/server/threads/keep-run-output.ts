import type { BackgroundRunStore, RunOutput } from '../../core/background-run-store.js';
import type { Message } from '../../core/messages.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { compactedOf, messagesOf, type RunEnding } from './run-ending.js';

/**
 * Most characters (UTF-16 code units) of a background run's answer kept with its record: past
 * it the text is cut (never inside a surrogate pair) and marked `truncated`. The whole answer
 * stays in the run's thread, when it has one, and in its stream while that is retained.
 */
export const MAX_RUN_OUTPUT_CHARS = 65_536;

/** The text of a message: its string, or its text blocks joined. */
const textOf = (message: Message): string =>
  typeof message.content === 'string'
    ? message.content
    : message.content
        .filter((block) => block.type === 'text')
        .map((block) => block.text)
        .join('');

/** `text` cut to `max` code units, never between the two halves of a surrogate pair. */
function cut(text: string, max: number): RunOutput {
  if (text.length <= max) return { text, truncated: false };
  const last = text.charCodeAt(max - 1);
  const end = last >= 0xd800 && last <= 0xdbff ? max - 1 : max;
  return { text: text.slice(0, end), truncated: true };
}

/**
 * A run's answer: the text of the last assistant message that it wrote itself (after its
 * `inputCount` input messages) and that has any text, bounded by `maxChars`; undefined when
 * the run threw or wrote no text (a run cancelled before its first answer). A run that
 * compacted its history counts every message of its result as its own.
 */
export function runOutputOf(
  ending: RunEnding,
  inputCount: number,
  maxChars = MAX_RUN_OUTPUT_CHARS,
): RunOutput | undefined {
  const messages = messagesOf(ending);
  if (messages === undefined) return undefined;
  const first = compactedOf(ending) === undefined ? inputCount : 0;
  for (let index = messages.length - 1; index >= first; index -= 1) {
    const message = messages[index];
    if (message?.role !== 'assistant') continue;
    const text = textOf(message);
    if (text !== '') return cut(text, maxChars);
  }
  return undefined;
}

/** Where `keepRunOutput` keeps a run's answer. */
export interface RunOutputTarget {
  database: GatewayDatabase;
  /** The database's background runs, which keep the answers; none: nothing is kept. */
  backgroundRuns: BackgroundRunStore | undefined;
  request: ChatRunRequest;
  runId: string;
  threadId: string | null;
}

/**
 * Keeps a background run's answer (`BackgroundRunStore.recordOutput`), retried through an
 * outage; the run's end is written after it, so that whatever reads the ended run (its record,
 * its `run.ended` notification) finds it. Undefined for other runs, for a store that keeps no
 * answers, and for a run that wrote no text. Never rejects (the retries report a failure).
 */
export function keepRunOutput(target: RunOutputTarget, ending: RunEnding): Promise<unknown> | undefined {
  const { database, request, runId, threadId } = target;
  const { backgroundRuns } = target;
  if (request.detached !== true || backgroundRuns?.recordOutput === undefined) return undefined;
  const output = runOutputOf(ending, request.history?.length ?? request.messages.length);
  if (output === undefined) return undefined;
  return database.retries.run(`answer of run ${runId}`, async () => {
    await backgroundRuns.recordOutput?.(runId, threadId, output);
  });
}
