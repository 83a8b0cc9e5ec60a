import { existsSync, statSync } from 'node:fs';
import { GatewayError } from '../../core/errors.js';
import type { CreateAgentOptions } from './create-agent-options.js';

/** Tool names the gateway serves itself, so a definition of one needs no handler. */
const BUILT_IN_TOOLS = new Set(['run_agent', 'get_background_result', 'code_execute', 'code_execute_status']);

/** Edit distance of two short strings (for "did you mean"). */
function distance(left: string, right: string): number {
  let previous = Array.from({ length: right.length + 1 }, (_unused, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (left[row - 1] === right[column - 1] ? 0 : 1);
      current.push(Math.min((previous[column] ?? 0) + 1, (current[column - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** The closest of `candidates` to `name` when it is a likely typo, else undefined. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const score = distance(name.toLowerCase(), candidate.toLowerCase());
    if (score <= Math.max(2, Math.floor(name.length / 4)) && (best === undefined || score < best.score)) {
      best = { candidate, score };
    }
  }
  return best?.candidate;
}

const suggestion = (name: string, candidates: Iterable<string>): string => {
  const closest = closestName(name, candidates);
  return closest === undefined ? '' : ` — did you mean \`${closest}\`?`;
};

const fail = (message: string): never => {
  throw new GatewayError('invalid_option', `createAgent: ${message}`);
};

/**
 * Checks that the pieces of `createAgent`'s options fit together, where each is well-formed on
 * its own but the whole would fail only later, on a chat: a handler no definition names (the
 * model never sees the tool), a definition no handler serves (every call ends `unknown_tool`;
 * client-side tools belong in `clientTools`), and a `skillsDir` that is not a directory.
 */
export function checkAgentWiring(options: CreateAgentOptions): void {
  // A typed `tool()` brings its definition and its handler together.
  const typed = (options.tools ?? []).map((defined) => defined.definition.name);
  const handlers = [...Object.keys(options.toolHandlers ?? {}), ...typed];
  const defined = [...(options.toolDefinitions ?? []).map((definition) => definition.name), ...typed];
  for (const name of handlers) {
    if (!defined.includes(name)) {
      fail(`toolHandlers.${name} has no definition in toolDefinitions${suggestion(name, defined)}`);
    }
  }
  for (const name of defined) {
    if (!handlers.includes(name) && !BUILT_IN_TOOLS.has(name)) {
      fail(
        `toolDefinitions names \`${name}\` but toolHandlers has no such handler${suggestion(name, handlers)} ` +
          '(tools the client runs go in clientTools)',
      );
    }
  }
  const { skillsDir } = options;
  if (skillsDir !== undefined && !(existsSync(skillsDir) && statSync(skillsDir).isDirectory())) {
    fail(`skillsDir ${skillsDir} is not a directory`);
  }
}
