import { textTurn, type ScriptedResponse } from '../../../src/testing/scripted-turn.js';
import type { ExtraTool } from './start-redis-gateways.js';

/** The shutdown budget of the instance a hand-over test stops; its answers outlast it. */
export const HAND_OVER_TIMEOUT_MS = 4_000;

/** `read_status`, answered at once on every instance; each call is recorded as `<instance>:read_status`. */
export const readStatusTool =
  (calls: string[]) =>
  (index: number): ExtraTool[] => [
    {
      definition: {
        name: 'read_status',
        description: 'Reads the status',
        input_schema: { type: 'object', properties: {} },
      },
      handler: () => {
        calls.push(`${index}:read_status`);
        return { status: 'green' };
      },
    },
  ];

/** A long answer streamed word by word, `delayMs` apart (200 words, 50 ms: ten seconds, past any grace). */
export const slowAnswer = (words = 200, delayMs = 50): ScriptedResponse =>
  textTurn(Array.from({ length: words }, (_word, index) => `word${index}`).join(' '), {
    eventDelayMs: delayMs,
  });
