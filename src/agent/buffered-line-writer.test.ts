import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createBufferedLineWriter } from './buffered-line-writer.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A sink that records each write it is given. */
const recordingSink = () => {
  const writes: string[] = [];
  return { writes, sink: { write: (text: string) => writes.push(text) } };
};

describe('createBufferedLineWriter', () => {
  it('writes the lines of one turn of the event loop together, in order, at the end of the turn', async () => {
    const { writes, sink } = recordingSink();
    const lines = createBufferedLineWriter(sink, { flushOnExit: false });
    lines.write('one');
    lines.write('two');
    expect(writes).toEqual([]);
    await turn();
    expect(writes).toEqual(['one\ntwo\n']);
    lines.write('three');
    await turn();
    expect(writes).toEqual(['one\ntwo\n', 'three\n']);
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
    const module = fileURLToPath(new URL('./buffered-line-writer.ts', import.meta.url));
    const script = `
      import { createBufferedLineWriter } from ${JSON.stringify(module)};
      const lines = createBufferedLineWriter(process.stderr);
      lines.write('held until exit');
      setTimeout(() => { throw new Error('boom'); }, 0);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('held until exit\n');
  });
});
