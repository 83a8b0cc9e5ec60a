import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createProgressCoalescer } from './progress-coalescer.js';

describe('progress notifications of a run', () => {
  it('sends the text of one turn as one notification, in order, with the characters so far', async () => {
    const sent: [string, number][] = [];
    const progress = createProgressCoalescer((text, written) => {
      sent.push([text, written]);
      return Promise.resolve();
    });
    progress.push('Hel');
    progress.push('lo');
    await nextTurn();
    progress.push(', world');
    progress.push('');
    await progress.flush();
    expect(sent).toEqual([
      ['Hello', 5],
      [', world', 12],
    ]);
    await nextTurn();
    expect(sent).toHaveLength(2);
  });

  it('goes on after a failed send: progress is advisory', async () => {
    const sent: string[] = [];
    let first = true;
    const progress = createProgressCoalescer((text) => {
      if (first) {
        first = false;
        return Promise.reject(new Error('gone'));
      }
      sent.push(text);
      return Promise.resolve();
    });
    progress.push('a');
    await progress.flush();
    progress.push('b');
    await progress.flush();
    expect(sent).toEqual(['b']);
  });
});
