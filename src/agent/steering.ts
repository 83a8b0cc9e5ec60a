import type { ContentBlock } from '../core/messages.js';
import type { RunState } from './loop-run-state.js';

/**
 * Hands a run the user messages that arrived while it worked (`multitask: "steer"`), each
 * once, in the order they arrived; an empty list when none waits. Called at turn boundaries
 * only: after a turn's tool results, and when the model gave its final answer.
 */
export type TakeSteering = () => readonly string[];

/**
 * Adds the waiting steering messages to the run's conversation, before its next model call:
 * as text blocks after the last turn's tool results (one user message, which every provider
 * accepts), or as a new user message after a final answer. Emits one `steering_message` per
 * text. Resolves whether any was added, in which case the run goes on with another turn.
 */
export function applySteering(state: RunState, take: TakeSteering | undefined): boolean {
  const texts = take?.() ?? [];
  if (texts.length === 0) return false;
  const blocks: ContentBlock[] = texts.map((text) => ({ type: 'text', text }));
  const lastIndex = state.messages.length - 1;
  const last = state.messages[lastIndex];
  // Only the run's own last message is extended: its input stays as it was given.
  if (last?.role === 'user' && lastIndex >= state.ownFrom) {
    const content: ContentBlock[] =
      typeof last.content === 'string' ? [{ type: 'text', text: last.content }] : last.content;
    state.messages[lastIndex] = { role: 'user', content: [...content, ...blocks] };
  } else {
    state.messages.push({ role: 'user', content: blocks });
  }
  for (const text of texts) state.emit({ type: 'steering_message', content: text });
  return true;
}
