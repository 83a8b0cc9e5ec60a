import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importCyclesOf, importGraphOf } from './helpers/import-cycles.js';

const sourceFolder = (name: string): string => fileURLToPath(new URL(`../src/${name}`, import.meta.url));

describe('import cycles', () => {
  it.each(['core', 'database', 'stores'])('src/%s has no import cycle, type imports included', (folder) => {
    expect(importCyclesOf(importGraphOf(sourceFolder(folder)))).toEqual([]);
  });

  it('reads the imports of src/core, type imports and re-exports included', () => {
    const graph = importGraphOf(sourceFolder('core'));
    expect(graph.get('database-stores.ts')).toContain('thread-store.ts');
    expect(graph.get('schedule-store.ts')).toEqual(
      expect.arrayContaining(['background-run-store.ts', 'thread-store.ts']),
    );
  });

  it('finds a cycle through a store that carries the stores which import it', () => {
    const graph = new Map([
      ['thread-store.ts', ['carried-stores.ts', 'messages.ts']],
      ['carried-stores.ts', ['schedule-store.ts', 'queued-run-store.ts']],
      ['schedule-store.ts', ['thread-store.ts']],
      ['queued-run-store.ts', ['thread-store.ts']],
      ['messages.ts', []],
      ['self.ts', ['self.ts']],
    ]);
    expect(importCyclesOf(graph)).toEqual([
      ['carried-stores.ts', 'queued-run-store.ts', 'schedule-store.ts', 'thread-store.ts'],
      ['self.ts'],
    ]);
  });

  it('finds no cycle in imports that point one way', () => {
    const graph = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', []],
    ]);
    expect(importCyclesOf(graph)).toEqual([]);
  });
});
