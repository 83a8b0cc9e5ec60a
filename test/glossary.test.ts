import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { declaredNamesOf, declaredNamesUnder, wordsOf, type DeclaredName } from './helpers/declared-names.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const architecture = readFileSync(`${repoRoot}docs/architecture.md`, 'utf8');

/** The rows of the first table under `heading` (a whole heading line), as lists of cells. */
function tableOf(markdown: string, heading: string): string[][] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`docs/architecture.md has no heading "${heading}"`);
  const first = lines.findIndex((line, index) => index > start && line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > first && !line.startsWith('|'));
  return lines.slice(first + 2, end === -1 ? undefined : end).map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );
}

/** The text in backticks of a cell. */
const codeOf = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');

/** One word of the table: what it may name, and where. */
interface KeptWord {
  readonly word: string;
  readonly places: readonly string[];
}

/** The words of "Words with one meaning": the word (first cell) and its places (third cell). */
const keptWords = (markdown: string): KeptWord[] =>
  tableOf(markdown, '### Words with one meaning').map(([word = '', , places = '']) => ({
    word: codeOf(word)[0] ?? '',
    places: codeOf(places),
  }));

/**
 * Whether `name` uses `word`: a lower-case word is one of its words (`held` in `HeldRunSlot`),
 * an identifier is the whole name (`approvalInbox`).
 */
const uses = (name: string, word: string): boolean =>
  /^[a-z]+$/.test(word) ? wordsOf(name).includes(word) : name === word;

/** The names that use a kept word outside its places. */
function misusesOf(names: readonly DeclaredName[], words: readonly KeptWord[]): string[] {
  return words.flatMap(({ word, places }) =>
    names
      .filter(({ file, name }) => uses(name, word) && !places.some((place) => file.startsWith(place)))
      .map(({ file, name }) => `${word}: ${name} (${file})`),
  );
}

describe('the glossary in docs/architecture.md', () => {
  it('keeps each word of "Words with one meaning" for its one concept in src/', () => {
    const words = keptWords(architecture);
    expect(words.map(({ word }) => word)).toContain('held');
    expect(misusesOf(declaredNamesUnder(repoRoot, 'src'), words)).toEqual([]);
  });

  it('names only places that exist, in the glossary and in the words kept', () => {
    const glossaryPlaces = tableOf(architecture, '## Glossary').flatMap((row) => codeOf(row[2] ?? ''));
    const wordPlaces = keptWords(architecture).flatMap(({ places }) => places);
    const paths = [...glossaryPlaces, ...wordPlaces].filter(
      (code) => /^[\w./-]+$/.test(code) && code.includes('/') && (code.endsWith('.ts') || code.endsWith('/')),
    );
    expect(paths.length).toBeGreaterThan(10);
    const missing = paths.filter(
      (path) => !existsSync(`${repoRoot}${path}`) && !existsSync(`${repoRoot}src/${path}`),
    );
    expect(missing).toEqual([]);
  });

  it('fails a name that gives a kept word a second meaning', () => {
    const words: KeptWord[] = [
      { word: 'held', places: ['src/server/protocols/'] },
      { word: 'approvalInbox', places: ['src/database/carried-stores.ts'] },
    ];
    const names = [
      ...declaredNamesOf('src/server/chat/run-caps.ts', 'class HeldRunSlot { readonly held = 1; }'),
      ...declaredNamesOf('src/server/protocols/held-runs.ts', 'export function holdRunForAnswer() {}'),
      ...declaredNamesOf(
        'src/core/database-stores.ts',
        'export interface DatabaseStores { approvalInbox?: 1 }',
      ),
      ...declaredNamesOf('src/core/approval-inbox-store.ts', 'export interface ApprovalInboxStore {}'),
    ];
    expect(misusesOf(names, words)).toEqual([
      'held: HeldRunSlot (src/server/chat/run-caps.ts)',
      'held: held (src/server/chat/run-caps.ts)',
      'approvalInbox: approvalInbox (src/core/database-stores.ts)',
    ]);
  });

  it('splits names into words whatever their case', () => {
    expect(wordsOf('HeldRunSlot')).toEqual(['held', 'run', 'slot']);
    expect(wordsOf('held-start-clock')).toEqual(['held', 'start', 'clock']);
    expect(wordsOf('HELD_START_TICK_MS')).toEqual(['held', 'start', 'tick', 'ms']);
    expect(wordsOf('parseHTTPHeader')).toEqual(['parse', 'http', 'header']);
  });
});
