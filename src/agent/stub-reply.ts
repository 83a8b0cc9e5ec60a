import { setTimeout as delay } from 'node:timers/promises';
import type { TextDeltaEvent } from '../core/events.js';
import type { Message } from '../core/messages.js';

/** Options of `streamStubReply`. */
export interface StubReplyOptions {
  /** Lower-case provider name; shown as people write it ("openai" → "OpenAI"). */
  providerName: string;
  /** The conversation; the reply echoes its last user message. */
  messages: readonly Message[];
  /** Receives one `text_delta` per word. */
  emit: (event: TextDeltaEvent) => void;
  /** Pause between words, in ms (the loop's `stubWordDelayMs`; 0 for tests). */
  wordDelayMs: number;
  /** Stops the reply between words. */
  signal?: AbortSignal;
}

/** How built-in providers spell their names. */
const DISPLAY_NAMES: Readonly<Record<string, string>> = { anthropic: 'Anthropic', openai: 'OpenAI' };

/** A provider's name as people write it: `OpenAI`, `Anthropic`, else title case. */
export function providerDisplayName(providerName: string): string {
  return DISPLAY_NAMES[providerName] ?? titleCase(providerName);
}

/** Upper-cases the first letter of every run of letters and lower-cases the rest. */
export function titleCase(text: string): string {
  return text.replace(/\p{L}+/gu, (word) => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase());
}

/** The text of the last user message (text blocks joined by spaces), or "". */
export function lastUserText(messages: readonly Message[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    const message = messages[index];
    if (message?.role !== 'user') continue;
    if (typeof message.content === 'string') return message.content;
    return message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join(' ');
  }
  return '';
}

/** The sentence the gateway answers with when the provider has no credential. */
export function stubReplyText(providerName: string, messages: readonly Message[]): string {
  return `Stub response (no ${providerDisplayName(providerName)} credential configured). You asked: ${lastUserText(messages)}`;
}

/**
 * Streams the no-credential stub reply: one `text_delta` per whitespace-separated word, each
 * followed by a space, `wordDelayMs` apart. It lets a freshly deployed gateway be exercised
 * end to end before any API key exists. Resolves `false` when `signal` aborted it part-way
 * (the caller then emits nothing more), `true` when every word was sent.
 */
export async function streamStubReply(options: StubReplyOptions): Promise<boolean> {
  const delayMs = options.wordDelayMs;
  const words = stubReplyText(options.providerName, options.messages).split(/\s+/).filter(Boolean);
  for (const [index, word] of words.entries()) {
    if (index > 0 && delayMs > 0) {
      try {
        await delay(delayMs, undefined, { signal: options.signal });
      } catch {
        return false; // aborted while pausing; the timer is already cleared
      }
    }
    if (options.signal?.aborted === true) return false;
    options.emit({ type: 'text_delta', text: `${word} ` });
  }
  return true;
}
