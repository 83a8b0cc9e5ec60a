import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const directory = fileURLToPath(new URL('.', import.meta.url));
const sources = readdirSync(directory)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => ({ name, text: readFileSync(`${directory}${name}`, 'utf8') }));

/** Commands our scripts call without a key. */
const KEYLESS = new Set(['TIME']);
/** Commands whose every argument is a key. */
const ALL_KEYS = new Set(['DEL', 'EXISTS']);

/** Every `redis.call(...)` of the Redis stores' Lua scripts: the command and its arguments. */
const calls = sources.flatMap(({ name, text }) =>
  [...text.matchAll(/redis\.call\(([^)]*)\)/g)].map((match) => {
    const args = (match[1] ?? '').split(',').map((part) => part.trim());
    return { name, command: (args[0] ?? '').replace(/'/g, ''), args: args.slice(1) };
  }),
);

describe('the Lua scripts of the Redis stores', () => {
  it('touch only keys declared in KEYS (none built inside a script), as Redis Cluster requires', () => {
    expect(calls.length).toBeGreaterThan(40);
    const undeclared = calls.filter(({ command, args }) => {
      if (KEYLESS.has(command)) return false;
      const keys = ALL_KEYS.has(command) ? args : args.slice(0, 1);
      // `KEYS[i]`: a loop over the declared keys.
      return keys.some((key) => !/^KEYS\[(\d+|i)\]$/.test(key));
    });
    expect(undeclared).toEqual([]);
  });
});
