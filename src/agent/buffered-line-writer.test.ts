import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBufferedLineWriter } from './buffered-line-writer.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A sink that records each write it is given. */
const recordingSink = () => {
  const writes: string[] = [];
  return { writes, sink: { write: (text: string) => writes.push(text) } };
};

const writerModule = fileURLToPath(new URL('./buffered-line-writer.ts', import.meta.url));

/** Runs `body` in a child Node process that has imported `createBufferedLineWriter`. */
const runScript = (body: string) =>
  spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `import { createBufferedLineWriter } from ${JSON.stringify(writerModule)};\n${body}`,
    ],
    { encoding: 'utf8' },
  );

describe('createBufferedLineWriter', () => {
  it('writes the lines of one turn of the event loop together, in order, at the end of the turn', async () => {
    const { writes, sink } = recordingSink();
    const lines = createBufferedLineWriter(sink, { flushOnExit: false });
    lines.write('one');
    lines.write('two');
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual(['one\ntwo\n']);
  });

  describe('under load', () => {
    beforeEach(() => {
      vi.useFakeTimers({
        now: 0,
        toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'],
      });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('holds the lines that follow a write until its interval is over, then writes them together', () => {
      const { writes, sink } = recordingSink();
      const lines = createBufferedLineWriter(sink, { flushIntervalMs: 20, flushOnExit: false });
      lines.write('first');
      vi.advanceTimersToNextTimer();
      expect(writes).toEqual(['first\n']);
      vi.advanceTimersByTime(5);
      lines.write('second');
      lines.write('third');
      vi.advanceTimersByTime(14);
      expect(writes).toEqual(['first\n']);
      vi.advanceTimersByTime(1);
      expect(writes).toEqual(['first\n', 'second\nthird\n']);
    });

    it('writes a line at the end of its turn when the last write is older than the interval', () => {
      const { writes, sink } = recordingSink();
      const lines = createBufferedLineWriter(sink, { flushIntervalMs: 20, flushOnExit: false });
      lines.write('first');
      vi.advanceTimersToNextTimer();
      vi.advanceTimersByTime(50);
      lines.write('after a quiet spell');
      expect(vi.getTimerCount()).toBe(1);
      vi.advanceTimersToNextTimer();
      expect(writes).toEqual(['first\n', 'after a quiet spell\n']);
      expect(performance.now()).toBe(50);
    });

    it('writes what it holds with a line that must not wait, and keeps no timer for it', () => {
      const { writes, sink } = recordingSink();
      const lines = createBufferedLineWriter(sink, { flushIntervalMs: 20, flushOnExit: false });
      lines.write('first');
      lines.flush();
      lines.write('held');
      expect(vi.getTimerCount()).toBe(1);
      lines.writeNow('warning');
      expect(writes).toEqual(['first\n', 'held\nwarning\n']);
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  it('writes what it holds at once with a line that must not wait, keeping the order', () => {
    const { writes, sink } = recordingSink();
    const lines = createBufferedLineWriter(sink, { flushOnExit: false });
    lines.write('request');
    lines.writeNow('warning');
    expect(writes).toEqual(['request\nwarning\n']);
  });

  it('writes at once past its limit, so a burst holds a bounded amount of text', () => {
    const { writes, sink } = recordingSink();
    const lines = createBufferedLineWriter(sink, { maxPendingChars: 10, flushOnExit: false });
    lines.write('12345');
    expect(writes).toEqual([]);
    lines.write('67890');
    expect(writes).toEqual(['12345\n67890\n']);
  });

  it('loses no line when the process exits, an uncaught error included', () => {
    // The second line waits for its interval after the first write: the error comes before it.
    const child = runScript(`
      const lines = createBufferedLineWriter(process.stderr, { flushIntervalMs: 60_000 });
      lines.write('written');
      setImmediate(() => {
        lines.write('held until exit');
        setTimeout(() => { throw new Error('boom'); }, 0);
      });
    `);
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('written\nheld until exit\n');
    expect(child.stderr).toContain('boom');
  });

  it('loses no line held for its interval when the process exits on its own or by process.exit', () => {
    const child = runScript(`
      const lines = createBufferedLineWriter(process.stderr, { flushIntervalMs: 60_000 });
      lines.write('written');
      setImmediate(() => {
        lines.write('held one');
        lines.write('held two');
        process.exitCode = 3;
      });
    `);
    expect(child.status).toBe(3);
    expect(child.stderr).toBe('written\nheld one\nheld two\n');
    const exiting = runScript(`
      const lines = createBufferedLineWriter(process.stderr, { flushIntervalMs: 60_000 });
      lines.write('written');
      setImmediate(() => {
        lines.write('held');
        process.exit(4);
      });
    `);
    expect(exiting.status).toBe(4);
    expect(exiting.stderr).toBe('written\nheld\n');
  });
});
