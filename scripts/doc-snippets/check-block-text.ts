import {
  SNIPPET_MARKERS,
  isBrowserBlock,
  isTypeScriptBlock,
  unknownMarkers,
  type CodeBlock,
} from './extract-code-blocks.js';
import { asciiReplacement, findNonAscii, type NonAsciiCharacter } from './find-non-ascii.js';

/** One problem, with the `file:line` it is about. */
export interface DocCheckFailure {
  location: string;
  message: string;
  /** What the snippet printed, for a failed run. */
  output?: string;
}

/** One failure per code line with non-ASCII characters, naming each and what to write instead. */
function nonAsciiFailures(block: CodeBlock): DocCheckFailure[] {
  const byLine = new Map<number, NonAsciiCharacter[]>();
  for (const found of findNonAscii(block.code)) {
    byLine.set(found.line, [...(byLine.get(found.line) ?? []), found]);
  }
  return [...byLine].map(([line, found]) => {
    const characters = [...new Map(found.map((each) => [each.character, each.codePoint]))];
    const listed = characters.map(([character, codePoint]) => `${codePoint} '${character}'`).join(', ');
    const hints = [...new Set(characters.map(([character]) => asciiReplacement(character)))];
    const known = hints.filter((hint) => hint !== undefined);
    const instead = known.length > 0 ? `; write ${known.join(' / ')} instead` : '';
    return {
      location: `${block.file}:${block.codeLine + line - 1}:${found[0]?.column ?? 1}`,
      message: `non-ASCII in a code block: ${listed}${instead}`,
    };
  });
}

/** Problems a block has regardless of type checking: unclosed fence, non-ASCII, bad markers. */
export function checkBlockText(block: CodeBlock): DocCheckFailure[] {
  const fenceLocation = `${block.file}:${block.fenceLine}`;
  const failures: DocCheckFailure[] = [];
  if (block.unclosed) failures.push({ location: fenceLocation, message: 'code fence is never closed' });
  failures.push(...nonAsciiFailures(block));
  if (!isTypeScriptBlock(block)) return failures;
  for (const marker of unknownMarkers(block)) {
    failures.push({
      location: fenceLocation,
      message: `unknown marker '${marker}' on a TypeScript fence (known: ${SNIPPET_MARKERS.join(', ')})`,
    });
  }
  if (block.markers.includes('no-check') && block.markers.includes('run')) {
    failures.push({ location: fenceLocation, message: 'a block cannot be both no-check and run' });
  }
  if (isBrowserBlock(block) && block.markers.includes('run')) {
    failures.push({ location: fenceLocation, message: 'a tsx block is browser code and cannot be run' });
  }
  return failures;
}
