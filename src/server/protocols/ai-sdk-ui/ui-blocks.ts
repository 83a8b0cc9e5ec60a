import type { UiMessageChunk } from './ui-message-chunks.js';

/**
 * The text and reasoning blocks of one response: at most one is open, and opening one closes
 * the other (`text-start` ... `text-delta` ... `text-end`, the same for reasoning).
 */
export function createUiBlocks(emit: (chunk: UiMessageChunk) => void, createBlockId: () => string) {
  let openText: string | undefined;
  let openReasoning: string | undefined;
  const closeText = (): void => {
    if (openText !== undefined) emit({ type: 'text-end', id: openText });
    openText = undefined;
  };
  const closeReasoning = (): void => {
    if (openReasoning !== undefined) emit({ type: 'reasoning-end', id: openReasoning });
    openReasoning = undefined;
  };
  return {
    /** Closes the open block, if any (text first, as both are never open together). */
    close(): void {
      closeText();
      closeReasoning();
    },
    /** Appends text, in the open text block or a new one. */
    text(delta: string): void {
      closeReasoning();
      if (openText === undefined) {
        openText = createBlockId();
        emit({ type: 'text-start', id: openText });
      }
      emit({ type: 'text-delta', id: openText, delta });
    },
    /** Appends reasoning, in the open reasoning block or a new one. */
    reasoning(delta: string): void {
      closeText();
      if (openReasoning === undefined) {
        openReasoning = createBlockId();
        emit({ type: 'reasoning-start', id: openReasoning });
      }
      emit({ type: 'reasoning-delta', id: openReasoning, delta });
    },
    get openTextId(): string | undefined {
      return openText;
    },
  };
}
