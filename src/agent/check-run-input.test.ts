import { describe, expect, it } from 'vitest';
import { createFakeToolExecutor } from './__fixtures__/fake-tool-executor.js';
import { agentLoopRunSchema } from './agent-loop-input.js';
import { CostAccumulator } from './budget.js';
import { checkRunInput } from './check-run-input.js';
import { EventLog } from './event-log.js';

const validInput = (): Record<string, unknown> => ({
  messages: [{ role: 'user', content: 'hi' }],
  tools: createFakeToolExecutor(),
  eventLog: new EventLog(),
  sessionId: 'sess_check',
});

/** Values of every kind a caller might put under any key. */
const candidates: unknown[] = [
  undefined,
  null,
  '',
  'text',
  0,
  -1,
  1,
  1.5,
  7,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  true,
  [],
  [['cached text', true]],
  {},
  { dispatch: 'not a function' },
  { dispatch: () => undefined },
  () => undefined,
  new AbortController().signal,
  new EventLog(),
  new CostAccumulator(1),
  new Map(),
];

const schemaResult = (input: unknown) => agentLoopRunSchema.safeParse(input);

/** The fast check accepts what the schema accepts, with the same output, and nothing else. */
function expectSameVerdict(input: unknown): void {
  const fast = checkRunInput(input);
  const parsed = schemaResult(input);
  if (fast === undefined) return; // the caller falls back to the schema, which has the last word
  expect(parsed.success, `accepted ${JSON.stringify(input)}`).toBe(true);
  expect(fast).toStrictEqual(parsed.data);
}

describe('checkRunInput', () => {
  it('accepts a valid run input and returns what the schema returns', () => {
    const input = validInput();
    const fast = checkRunInput(input);
    expect(fast).toStrictEqual(schemaResult(input).data);
    expect(fast).not.toBe(input);
  });

  it('accepts every optional part the schema accepts', () => {
    const input = {
      ...validInput(),
      systemPrompt: 'be brief',
      model: 'm',
      maxTurns: 3,
      signal: new AbortController().signal,
      resume: { messages: [] },
      traceParent: {},
      runId: 'run_1',
      endUserId: 'user_1',
      steering: () => [],
      getToolDefinitions: () => [],
      costAccumulator: new CostAccumulator(1),
      backgroundTasksReminder: () => undefined,
      onCheckpoint: () => undefined,
      onToolResult: () => undefined,
    };
    expect(checkRunInput(input)).toStrictEqual(schemaResult(input).data);
    // A key present but undefined is kept, as the schema keeps it.
    expect(checkRunInput({ ...input, runId: undefined })).toStrictEqual(
      schemaResult({ ...input, runId: undefined }).data,
    );
  });

  it('never accepts a value the schema rejects, under any key', () => {
    const keys = [...Object.keys(agentLoopRunSchema.shape), 'unknownKey'];
    let rejected = 0;
    for (const key of keys) {
      for (const value of candidates) {
        const input = { ...validInput(), [key]: value };
        if (!schemaResult(input).success) {
          rejected += 1;
          expect(checkRunInput(input), `${key}: ${String(value)}`).toBeUndefined();
        }
        expectSameVerdict(input);
      }
      const without = validInput();
      delete without[key];
      expectSameVerdict(without);
    }
    // The table does exercise rejections (every key has bad values among the candidates).
    expect(rejected).toBeGreaterThan(keys.length * 5);
  });

  it('reads an input that is not a plain object as the schema does, getters included', () => {
    class RunInput {
      readonly tools = createFakeToolExecutor();
      readonly eventLog = new EventLog();
      readonly sessionId = 'sess_class';
      get messages() {
        return [{ role: 'user', content: 'hi' }];
      }
    }
    const input = new RunInput();
    const fast = checkRunInput(input);
    expect(fast).toBeDefined();
    expect(fast).toStrictEqual(schemaResult(input).data);
    expect(fast?.messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('leaves non-objects and inherited keys to the schema', () => {
    for (const input of [undefined, null, 'input', [validInput()], 3]) {
      expect(checkRunInput(input)).toBeUndefined();
    }
    const inherited = Object.create({ extra: 1 }) as Record<string, unknown>;
    Object.assign(inherited, validInput());
    expect(checkRunInput(inherited)).toBeUndefined();
    expect(schemaResult(inherited).success).toBe(false);
  });
});
