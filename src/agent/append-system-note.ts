import type { SystemPrompt } from '../core/messages.js';

/**
 * The system prompt with a note after it (the background-task reminder after a compaction):
 * a string gets it as a last paragraph; the list form gets it as a last, uncached part so the
 * cached prefix stays the same. No note: the prompt unchanged.
 */
export function appendSystemNote(
  system: SystemPrompt | undefined,
  note: string | undefined,
): SystemPrompt | undefined {
  if (note === undefined || note === '') return system;
  if (system === undefined) return note;
  if (typeof system === 'string') return system === '' ? note : `${system}\n\n${note}`;
  return [...system, [note, false]];
}
