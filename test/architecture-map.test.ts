import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { layers, serverLayers } from '../eslint.layers.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const architecture = readFileSync(`${repoRoot}docs/architecture.md`, 'utf8');

/** The name the layer pictures give the files at the root of src/server. */
const COMPOSITION = 'the composition';

/** The text of the section under `heading` (a whole heading line), up to the next heading of its level or above. */
function sectionOf(markdown: string, heading: string): string {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start === -1) throw new Error(`docs/architecture.md has no heading "${heading}"`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex(
    (line, index) => index > start && /^#+ /.test(line) && line.indexOf(' ') <= level,
  );
  return lines.slice(start + 1, end === -1 ? undefined : end).join('\n');
}

/** The first fenced block of a section. */
function firstBlockOf(section: string): string {
  const match = /```[^\n]*\n([\s\S]*?)```/.exec(section);
  if (match?.[1] === undefined) throw new Error('the section has no fenced block');
  return match[1];
}

/**
 * What each name of a layer picture may import. A picture is chains of `a, b <- c <- d`: each
 * name may import every name of the step before it and, transitively, what those may import. A
 * line that begins with `<-` goes on from the line above; lines without an arrow are prose.
 */
function mayListsOf(picture: string): Map<string, Set<string>> {
  const chains: string[] = [];
  for (const line of picture.split('\n').map((text) => text.trim())) {
    if (line.startsWith('<-') && chains.length > 0) chains[chains.length - 1] += ` ${line}`;
    else if (line.includes('<-')) chains.push(line);
  }
  const below = new Map<string, Set<string>>();
  const node = (name: string): Set<string> => {
    const known = below.get(name) ?? new Set<string>();
    below.set(name, known);
    return known;
  };
  for (const chain of chains) {
    const steps = chain.split('<-').map((step) =>
      step
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name !== ''),
    );
    steps.forEach((step, index) => {
      for (const name of step) {
        const known = node(name);
        for (const lower of steps[index - 1] ?? []) known.add(lower);
      }
    });
  }
  const closure = (name: string, seen = new Set<string>()): Set<string> => {
    for (const lower of below.get(name) ?? []) {
      if (!seen.has(lower)) {
        seen.add(lower);
        closure(lower, seen);
      }
    }
    return seen;
  };
  return new Map([...below.keys()].map((name) => [name, closure(name)]));
}

/** The `may` lists of eslint.layers.js as sets, by layer name. */
const mayOf = (given: ReadonlyArray<{ name: string; may: readonly string[] }>): Map<string, Set<string>> =>
  new Map(given.map((layer) => [layer.name, new Set(layer.may)]));

/** The folders of src/ one and two levels down (test fixtures left out), as `src/a/` and `src/a/b/`. */
function sourceFolders(): string[] {
  const folders: string[] = [];
  const visit = (relative: string, depth: number): void => {
    for (const entry of readdirSync(`${repoRoot}${relative}`, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name === '__fixtures__') continue;
      folders.push(`${relative}${entry.name}/`);
      if (depth < 2) visit(`${relative}${entry.name}/`, depth + 1);
    }
  };
  visit('src/', 1);
  return folders.sort();
}

/** The folders the map names: each `src/.../` in backticks at the start of an item of its list. */
function mappedFolders(markdown: string): string[] {
  const section = sectionOf(markdown, '## Map of src/');
  return [...section.matchAll(/^\s*- `(src\/[^`]*\/)`/gm)].map((match) => match[1] ?? '').sort();
}

const isFolder = (path: string): boolean => {
  try {
    return statSync(`${repoRoot}${path}`).isDirectory();
  } catch {
    return false;
  }
};

describe('the map of src/ in docs/architecture.md', () => {
  it('names every folder of src/ two levels down', () => {
    const mapped = new Set(mappedFolders(architecture));
    expect(sourceFolders().filter((folder) => !mapped.has(folder))).toEqual([]);
  });

  it('names no folder that does not exist, and none twice', () => {
    const mapped = mappedFolders(architecture);
    expect(mapped.filter((folder) => !isFolder(folder))).toEqual([]);
    expect(mapped.filter((folder, index) => mapped.indexOf(folder) !== index)).toEqual([]);
  });

  it('fails when a folder two levels down is left out of the map', () => {
    const [left = ''] = sourceFolders().filter((folder) => folder.split('/').length === 4);
    const line = new RegExp(`^\\s*- \`${left.replaceAll('/', '\\/')}\`.*$`, 'm');
    const withoutIt = architecture.replace(line, '');
    expect(withoutIt).not.toBe(architecture);
    const mapped = new Set(mappedFolders(withoutIt));
    expect(sourceFolders().filter((folder) => !mapped.has(folder))).toEqual([left]);
  });
});

describe('the layer pictures in docs/architecture.md', () => {
  const outerPicture = firstBlockOf(sectionOf(architecture, '## Layers'));
  const serverPicture = firstBlockOf(sectionOf(architecture, '### The layers of src/server'));

  it('draws the layers of src/ as eslint.layers.js lists them', () => {
    expect(mayListsOf(outerPicture)).toEqual(mayOf(layers));
  });

  it('draws the layers of src/server as eslint.layers.js lists them', () => {
    const drawn = mayListsOf(serverPicture);
    const composition = drawn.get(COMPOSITION);
    drawn.delete(COMPOSITION);
    expect(drawn).toEqual(mayOf(serverLayers));
    // The composition may import every folder but assembly/ (eslint.layers.js, `layerConfigs`).
    expect(composition).toEqual(
      new Set(serverLayers.map((layer) => layer.name).filter((name) => name !== 'assembly')),
    );
  });

  it('fails a picture with an arrow that lint does not have', () => {
    const drawn = mayListsOf(`${serverPicture}\nassembly  <-  connections\n`);
    drawn.delete(COMPOSITION);
    expect(drawn).not.toEqual(mayOf(serverLayers));
  });

  it('reads a picture: steps, continued lines and branches, transitively', () => {
    const drawn = mayListsOf('a, b  <-  c\n    <-  d\nb  <-  e  <-  d\nprose without arrows');
    expect(drawn).toEqual(
      new Map([
        ['a', new Set()],
        ['b', new Set()],
        ['c', new Set(['a', 'b'])],
        ['d', new Set(['a', 'b', 'c', 'e'])],
        ['e', new Set(['b'])],
      ]),
    );
  });
});
