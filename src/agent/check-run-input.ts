import type { ParsedRunInput } from './agent-loop-input.js';
import { CostAccumulator } from './budget.js';
import { EventLog } from './event-log.js';

type Check = (value: unknown) => boolean;

const optional =
  (check: Check): Check =>
  (value) =>
    value === undefined || check(value);
const isFunction: Check = (value) => typeof value === 'function';
const isObject: Check = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNonEmptyString: Check = (value) => typeof value === 'string' && value.length > 0;

/**
 * What `agentLoopRunSchema` accepts, key by key, as plain type tests. The record names every
 * key of the schema, so a key added there fails to compile here until it has its test.
 */
const RUN_INPUT_CHECKS: Readonly<Record<keyof ParsedRunInput, Check>> = {
  messages: Array.isArray,
  systemPrompt: optional((value) => typeof value === 'string' || Array.isArray(value)),
  model: optional(isNonEmptyString),
  // z.number().int().positive(): a safe integer above zero.
  maxTurns: optional((value) => Number.isSafeInteger(value) && (value as number) > 0),
  signal: optional((value) => value instanceof AbortSignal),
  resume: optional(isObject),
  traceParent: optional(isObject),
  runId: optional(isNonEmptyString),
  endUserId: optional(isNonEmptyString),
  steering: optional(isFunction),
  tools: (value) =>
    typeof value === 'object' && value !== null && typeof Reflect.get(value, 'dispatch') === 'function',
  eventLog: (value) => value instanceof EventLog,
  sessionId: isNonEmptyString,
  getToolDefinitions: optional(isFunction),
  costAccumulator: optional((value) => value instanceof CostAccumulator),
  backgroundTasksReminder: optional(isFunction),
  onCheckpoint: optional(isFunction),
  onToolResult: optional(isFunction),
};

/**
 * The run input as `agentLoopRunSchema` would return it (a copy of its known keys: the schema
 * has no defaults or transforms), when every key passes its plain test; `undefined` when any does
 * not, or when a key is unknown, and the schema must then say what is wrong. Accepts nothing
 * the schema rejects: it spares each run the schema's walk, which costs about a hundredth of
 * a chat's CPU.
 */
export function checkRunInput(input: unknown): ParsedRunInput | undefined {
  if (!isObject(input)) return undefined;
  const record = input as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(RUN_INPUT_CHECKS, key)) return undefined;
  }
  // As the schema builds its output: every key of the shape that `in` finds, with its value.
  const parsed: Record<string, unknown> = {};
  for (const key in RUN_INPUT_CHECKS) {
    const value = record[key];
    if (!RUN_INPUT_CHECKS[key as keyof ParsedRunInput](value)) return undefined;
    if (key in record) parsed[key] = value;
  }
  return parsed as ParsedRunInput;
}
