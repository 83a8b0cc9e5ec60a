import type { UsageSummary } from '../../core/events.js';
import type { Message } from '../../core/messages.js';
import type { RunRecordRow, RunStartRecord, RunStatus, RunThreadGuard } from '../../core/thread-store.js';

/** How a run ended, as its runner told (a `runAgent` result) or as it failed. */
export type RunEnding = { result: unknown } | { thrown: unknown; cancelled: boolean };

const OUTCOMES: Readonly<Record<string, { status: RunStatus; code: string | null }>> = {
  completed: { status: 'completed', code: null },
  max_turns: { status: 'failed', code: 'max_turns' },
  budget: { status: 'failed', code: 'budget_exceeded' },
  budget_exceeded: { status: 'budget_exceeded', code: 'budget_exceeded' },
  aborted: { status: 'cancelled', code: 'cancelled' },
};

const field = (value: unknown, name: string): unknown =>
  typeof value === 'object' && value !== null ? Reflect.get(value, name) : undefined;

const isUsage = (value: unknown): value is UsageSummary =>
  typeof field(value, 'input_tokens') === 'number' && typeof field(value, 'output_tokens') === 'number';

/** How a run ended, as the columns of its record. */
function endOf(
  ending: RunEnding,
): Pick<RunRecordRow, 'status' | 'outcomeCode' | 'turns' | 'usage' | 'estimatedCostUsd'> {
  if ('thrown' in ending) {
    return {
      status: ending.cancelled ? 'cancelled' : 'failed',
      outcomeCode: ending.cancelled ? 'cancelled' : 'internal_error',
      turns: 0,
      usage: null,
      estimatedCostUsd: null,
    };
  }
  const outcome = field(ending.result, 'outcome');
  const errorCode = field(ending.result, 'errorCode');
  const known =
    typeof outcome === 'string'
      ? (OUTCOMES[outcome] ?? {
          status: 'failed' as const,
          code: typeof errorCode === 'string' ? errorCode : 'internal_error',
        })
      : OUTCOMES['completed'];
  const usage = field(ending.result, 'usage');
  const turns = field(ending.result, 'turns');
  return {
    status: known?.status ?? 'completed',
    outcomeCode: known?.code ?? null,
    turns: typeof turns === 'number' ? turns : 0,
    usage: isUsage(usage) ? usage : null,
    estimatedCostUsd: isUsage(usage) ? usage.estimated_cost : null,
  };
}

/**
 * The whole record of a run that ended: one object literal rather than `{ ...start, ...end }`
 * (this runs once per chat, and what it builds is read field by field on its way to the
 * database).
 */
export function recordOf(
  start: RunStartRecord,
  ending: RunEnding,
  endedAt: number,
): RunRecordRow & RunThreadGuard {
  const end = endOf(ending);
  const record: RunRecordRow & RunThreadGuard = {
    id: start.id,
    threadId: start.threadId,
    owner: start.owner,
    model: start.model,
    startedAt: start.startedAt,
    threadEpoch: start.threadEpoch,
    status: end.status,
    outcomeCode: end.outcomeCode,
    turns: end.turns,
    usage: end.usage,
    estimatedCostUsd: end.estimatedCostUsd,
    endedAt,
  };
  if (start.multitask !== undefined) record.multitask = start.multitask;
  return record;
}

export const messagesOf = (ending: RunEnding): Message[] | undefined => {
  const messages = 'result' in ending ? field(ending.result, 'messages') : undefined;
  return Array.isArray(messages) ? (messages as Message[]) : undefined;
};

/** What the run said before it compacted (its result's `compactedMessages`). */
export const compactedOf = (ending: RunEnding): Message[] | undefined => {
  const compacted = 'result' in ending ? field(ending.result, 'compactedMessages') : undefined;
  return Array.isArray(compacted) ? (compacted as Message[]) : undefined;
};
