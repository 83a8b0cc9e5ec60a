import { describe, expect, it } from 'vitest';
import type { TextDeltaEvent } from '../core/events.js';
import { lastUserText, streamStubReply, stubReplyText, titleCase } from './stub-reply.js';

describe('stub reply', () => {
  it('title-cases provider names like the original', () => {
    expect(titleCase('anthropic')).toBe('Anthropic');
    expect(titleCase('openai')).toBe('Openai');
    expect(titleCase('my-provider')).toBe('My-Provider');
  });

  it('echoes the last user message', () => {
    expect(
      lastUserText([
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'reply' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'second' },
            { type: 'text', text: 'part' },
          ],
        },
      ]),
    ).toBe('second part');
    expect(lastUserText([])).toBe('');
    expect(stubReplyText('openai', [{ role: 'user', content: 'hi there' }])).toBe(
      'Stub response (no OpenAI credential configured). You asked: hi there',
    );
  });

  it('streams one delta per word, each followed by a space', async () => {
    const events: TextDeltaEvent[] = [];
    const finished = await streamStubReply({
      providerName: 'anthropic',
      messages: [{ role: 'user', content: 'What  is\nup?' }],
      emit: (event) => events.push(event),
      wordDelayMs: 0,
    });
    expect(finished).toBe(true);
    expect(events.map((event) => event.text)).toEqual([
      'Stub ',
      'response ',
      '(no ',
      'Anthropic ',
      'credential ',
      'configured). ',
      'You ',
      'asked: ',
      'What ',
      'is ',
      'up? ',
    ]);
  });

  it('stops between words when aborted', async () => {
    const controller = new AbortController();
    const events: TextDeltaEvent[] = [];
    const finished = await streamStubReply({
      providerName: 'anthropic',
      messages: [{ role: 'user', content: 'hello' }],
      emit: (event) => {
        events.push(event);
        if (events.length === 2) controller.abort();
      },
      wordDelayMs: 1,
      signal: controller.signal,
    });
    expect(finished).toBe(false);
    expect(events).toHaveLength(2);
  });
});
