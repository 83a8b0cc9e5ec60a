import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/** A name a file gives a concept: its own file name, or a declaration it makes. */
export interface DeclaredName {
  /** The file, relative to the repository (`src/...`). */
  readonly file: string;
  /** The name: a file's base name without `.ts`, or a declared identifier. */
  readonly name: string;
}

/** The source files under `folder` of `root` (tests and fixtures left out), relative to `root`. */
export function sourceFilesUnder(root: string, folder: string): string[] {
  return readdirSync(join(root, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = `${folder}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === '__fixtures__' ? [] : sourceFilesUnder(root, path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The names a type's members are declared under (interfaces, classes, object types). */
function memberNamesOf(members: ts.NodeArray<ts.Node>): string[] {
  return members.flatMap((member) => {
    const name = (member as { name?: ts.Node }).name;
    return name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) ? [name.text] : [];
  });
}

/** The names one top-level statement declares, with the members of the types it declares. */
function statementNamesOf(statement: ts.Statement): string[] {
  if (ts.isVariableStatement(statement)) {
    return statement.declarationList.declarations.flatMap((declaration) =>
      ts.isIdentifier(declaration.name) ? [declaration.name.text] : [],
    );
  }
  if (ts.isInterfaceDeclaration(statement) || ts.isClassDeclaration(statement)) {
    return [
      ...(statement.name === undefined ? [] : [statement.name.text]),
      ...memberNamesOf(statement.members),
    ];
  }
  if (ts.isTypeAliasDeclaration(statement)) {
    const members = ts.isTypeLiteralNode(statement.type) ? memberNamesOf(statement.type.members) : [];
    return [statement.name.text, ...members];
  }
  if (ts.isFunctionDeclaration(statement) || ts.isEnumDeclaration(statement)) {
    return statement.name === undefined ? [] : [statement.name.text];
  }
  return [];
}

/**
 * The names `source` gives concepts: its top-level declarations (functions, classes, interfaces,
 * types, variables, enums) and the members of the types it declares. Local variables and
 * comments are prose and left out.
 */
export function declaredNamesOf(file: string, source: string): DeclaredName[] {
  const parsed = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const base = file.split('/').pop()?.replace(/\.ts$/, '') ?? file;
  return [base, ...parsed.statements.flatMap(statementNamesOf)].map((name) => ({ file, name }));
}

/** The declared names of every source file under `folder` of `root`. */
export function declaredNamesUnder(root: string, folder: string): DeclaredName[] {
  return sourceFilesUnder(root, folder).flatMap((file) =>
    declaredNamesOf(file, readFileSync(join(root, file), 'utf8')),
  );
}

/**
 * The words of a name, lower case: `HeldRunSlot`, `held-run-slot`, `HELD_RUN_SLOT` and
 * `heldRunSlot` are all `held run slot`.
 */
export function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
    .map((word) => word.toLowerCase());
}
