/**
 * Splits a script of SQL statements at the semicolons that end them, the way PostgreSQL's own
 * lexer sees the text: a `;` inside a string (`'…'`, with `''` inside, or `E'…'` with its
 * backslash escapes), a quoted identifier (`"…"`), a dollar-quoted body (`$$…$$`,
 * `$fn$…$fn$`), a line comment (`-- …`) or a block comment (`/* … *\/`, nested) does not end a
 * statement. Each statement comes back trimmed, without its `;`; empty ones (`;;`, a trailing
 * comment) are left out. The migrations go through it because the engines' parameterised
 * `query` takes one statement at a time.
 *
 * A script whose string, identifier, dollar quote or comment is not closed is refused: sent as it
 * is, its last statement would fail with a message about the cut, not about the cause.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let at = 0;
  const keep = (end: number): void => {
    const statement = script.slice(start, end).trim();
    if (!isOnlyComments(statement)) statements.push(statement);
  };
  while (at < script.length) {
    const char = script[at];
    if (char === ';') {
      keep(at);
      at += 1;
      start = at;
    } else if (char === "'") {
      at = endOfString(script, at, isEscapeString(script, at));
    } else if (char === '"') {
      at = endOfQuoted(script, at, '"', 'quoted identifier');
    } else if (char === '-' && script[at + 1] === '-') {
      const newline = script.indexOf('\n', at);
      at = newline < 0 ? script.length : newline + 1;
    } else if (char === '/' && script[at + 1] === '*') {
      at = endOfBlockComment(script, at);
    } else if (char === '$') {
      at = endOfDollarQuote(script, at);
    } else {
      at += 1;
    }
  }
  keep(script.length);
  return statements;
}

/** Whether the `'` at `at` opens an escape string (`E'…'`, `e'…'`): a lone `E` just before it. */
const isEscapeString = (script: string, at: number): boolean => {
  const prefix = script[at - 1];
  if (prefix !== 'E' && prefix !== 'e') return false;
  return at < 2 || !/[\w$]/.test(script[at - 2] ?? '');
};

/** The index after the string opened at `at` (`''` is a quote in it, as `\'` is in an E string). */
function endOfString(script: string, at: number, escapes: boolean): number {
  let index = at + 1;
  while (index < script.length) {
    const char = script[index];
    if (escapes && char === '\\') index += 2;
    else if (char === "'" && script[index + 1] === "'") index += 2;
    else if (char === "'") return index + 1;
    else index += 1;
  }
  throw unclosed('string', script, at);
}

/** The index after the quoted text opened at `at` by `quote` (a doubled quote is one inside). */
function endOfQuoted(script: string, at: number, quote: string, what: string): number {
  let index = at + 1;
  while (index < script.length) {
    if (script[index] === quote) {
      if (script[index + 1] !== quote) return index + 1;
      index += 2;
    } else {
      index += 1;
    }
  }
  throw unclosed(what, script, at);
}

/** The index after the block comment opened at `at`; block comments nest, as PostgreSQL's do. */
function endOfBlockComment(script: string, at: number): number {
  let depth = 0;
  let index = at;
  while (index < script.length) {
    if (script[index] === '/' && script[index + 1] === '*') {
      depth += 1;
      index += 2;
    } else if (script[index] === '*' && script[index + 1] === '/') {
      depth -= 1;
      index += 2;
      if (depth === 0) return index;
    } else {
      index += 1;
    }
  }
  throw unclosed('block comment', script, at);
}

/**
 * A dollar quote's opening tag (`$$` or `$name$`), or undefined when the `$` at `at` opens none:
 * a parameter (`$1`) or a `$` inside a name (`a$b`), which cannot start a tag.
 */
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y;

/** The index after the dollar-quoted text opened at `at`, or `at + 1` when `$` opens none there. */
function endOfDollarQuote(script: string, at: number): number {
  if (at > 0 && /[\w$]/.test(script[at - 1] ?? '')) return at + 1;
  DOLLAR_TAG.lastIndex = at;
  const tag = DOLLAR_TAG.exec(script)?.[0];
  if (tag === undefined) return at + 1;
  const close = script.indexOf(tag, at + tag.length);
  if (close < 0) throw unclosed(`dollar quote ${tag}`, script, at);
  return close + tag.length;
}

/** Whether `statement` holds nothing but comments and white space. */
function isOnlyComments(statement: string): boolean {
  const bare = statement
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .trim();
  return bare === '';
}

const unclosed = (what: string, script: string, at: number): Error => {
  const line = script.slice(0, at).split('\n').length;
  return new Error(`SQL script: the ${what} opened on line ${line} is never closed`);
};
