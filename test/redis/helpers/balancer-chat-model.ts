import type { MockTurn } from '../../../src/testing/mock-upstream/mock-turn.js';
import { textTurn, toolCallTurn } from '../../../src/testing/scripted-turn.js';

const words = Array.from({ length: 16 }, (_unused, index) => `word${index}`).join(' ');
let nextToolCall = 0;

/**
 * The model of every chat, answering from the conversation so far (so it does not matter which
 * instance asks, nor whether a run was taken over): wait a little (an idempotent tool), then
 * delete a file (needs approval), then a slowly streamed answer.
 */
export const respond = (body: unknown): MockTurn => {
  const messages = (body as { messages?: Array<{ role?: string }> }).messages ?? [];
  const turns = messages.filter((message) => message.role === 'assistant').length;
  nextToolCall += 1;
  if (turns === 0) {
    return toolCallTurn('wait_a_bit', { ms: 300 }, { id: `toolu_w${nextToolCall}`, text: 'Waiting first.' });
  }
  if (turns === 1) return toolCallTurn('delete_file', { path: '/tmp/lb' }, { id: `toolu_d${nextToolCall}` });
  return textTurn(`Done: ${words}`, { eventDelayMs: 40 });
};
