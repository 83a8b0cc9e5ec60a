import { fileURLToPath } from 'node:url';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { collectionConfigs } from '../eslint.collections.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The rule ids `gateway/churn-collections` and friends report for `source` placed at `file`. */
function collectionErrors(file: string, source: string): string[] {
  const linter = new Linter({ configType: 'flat', cwd: repoRoot });
  const config: Linter.Config[] = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser, ecmaVersion: 'latest', sourceType: 'module' },
    },
    ...collectionConfigs(),
  ];
  return linter
    .verify(source, config, { filename: `${repoRoot}${file}` })
    .map((message) => message.ruleId ?? message.message);
}

const RULE = 'gateway/churn-collections';

describe('app-lifetime collections of objects enforced by lint', () => {
  it('fails a plain Map of objects kept by a factory', () => {
    const source = `export function createRegistry() {
      const runs = new Map<string, { id: string }>();
      return { add: (id: string) => runs.set(id, { id }) };
    }`;
    expect(collectionErrors('src/server/chat/example.ts', source)).toEqual([RULE]);
  });

  it('fails a plain Set of promises kept by a factory written as an arrow function', () => {
    const source =
      'export const createSender = () => { const inFlight = new Set<Promise<void>>(); return inFlight; };';
    expect(collectionErrors('src/stores/memory/example.ts', source)).toEqual([RULE]);
  });

  it('fails a Map of objects in a class field or at module level, with or without type arguments', () => {
    expect(
      collectionErrors(
        'src/server/example.ts',
        'export class Cache { readonly byId = new Map<string, object>(); }',
      ),
    ).toEqual([RULE]);
    expect(collectionErrors('src/tools/example.ts', 'const seen: Map<string, Date> = new Map();')).toEqual([
      RULE,
    ]);
    expect(collectionErrors('src/agent/example.ts', 'export const all = new Set(values());')).toEqual([RULE]);
  });

  it('passes a ChurnMap, a collection of primitives, a Readonly collection and a table of literals', () => {
    const sources = [
      'export function createRegistry() { const runs = new ChurnMap<string, object>(); return runs; }',
      'export function createLocks() { const held = new Set<string>(); const counts = new Map<string, number | undefined>(); return { held, counts }; }',
      "const table: ReadonlyMap<string, Date> = new Map([['a', new Date()]]);",
      "const names = new Set(['a', 'b']);",
    ];
    for (const source of sources) expect(collectionErrors('src/server/example.ts', source)).toEqual([]);
  });

  it('passes a collection made per call of a function that is not a factory', () => {
    const source = 'export function encode() { const calls = new Map<string, object>(); return calls; }';
    expect(collectionErrors('src/server/example.ts', source)).toEqual([]);
  });

  it('passes a plain Map disabled with a reason, and leaves tests and other folders alone', () => {
    const disabled = `export function createRegistry() {
      // eslint-disable-next-line ${RULE} -- one entry per configured server
      const servers = new Map<string, object>();
      return servers;
    }`;
    expect(collectionErrors('src/server/example.ts', disabled)).toEqual([]);
    const plain =
      'export function createRegistry() { return new Map<string, object>(); } const kept = new Map<string, object>();';
    expect(collectionErrors('src/server/example.test.ts', plain)).toEqual([]);
    expect(collectionErrors('src/cli/example.ts', plain)).toEqual([]);
  });
});

describe('the oldest entries of bounded collections evicted in batches, enforced by lint', () => {
  const EVICT = 'gateway/evict-oldest';

  it('fails the oldest key taken with keys().next(), in any folder of src/', () => {
    const source = `export function evict(map: Map<string, number>) {
      const oldest = map.keys().next();
      if (oldest.done !== true) map.delete(oldest.value);
    }`;
    expect(collectionErrors('src/server/example.ts', source)).toEqual([EVICT]);
    expect(collectionErrors('src/cli/example.ts', source)).toEqual([EVICT]);
  });

  it('passes evictOldest, other iterators, tests, and a line disabled with a reason', () => {
    const passing = [
      'export function evict(map: Map<string, number>) { evictOldest(map, 100); }',
      'export function first(map: Map<string, number>) { return map.values().next(); }',
      `export function oldest(map: Map<string, number>) {
        // eslint-disable-next-line ${EVICT} -- filled once at start, never deleted from
        return map.keys().next();
      }`,
    ];
    for (const source of passing) expect(collectionErrors('src/server/example.ts', source)).toEqual([]);
    expect(
      collectionErrors(
        'src/server/example.test.ts',
        'export const k = (m: Map<string, 1>) => m.keys().next();',
      ),
    ).toEqual([]);
  });
});
