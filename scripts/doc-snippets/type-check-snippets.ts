import { basename } from 'node:path';
import ts from 'typescript';
import type { SnippetWorkspace } from './snippet-workspace.js';
import type { CodeBlock } from './extract-code-blocks.js';

/** A compiler error, located in the markdown file the snippet came from. */
export interface SnippetDiagnostic {
  /** The markdown block, or undefined for an error about the configuration itself. */
  block: CodeBlock | undefined;
  /** `README.md:42:7` style. */
  location: string;
  message: string;
}

/** Result of one type check over all snippets. */
export interface TypeCheckResult {
  diagnostics: SnippetDiagnostic[];
  /** Errors inside the sources the snippets import: `npm run typecheck` reports those. */
  ignoredOutsideSnippets: number;
}

const describe = (diagnostic: ts.Diagnostic): string =>
  `error TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;

const locate = (workspace: SnippetWorkspace, diagnostic: ts.Diagnostic): SnippetDiagnostic | undefined => {
  const { file, start } = diagnostic;
  if (file === undefined)
    return { block: undefined, location: workspace.tsconfigPath, message: describe(diagnostic) };
  const block = workspace.blocksByFileName.get(basename(file.fileName));
  if (block === undefined) return undefined;
  const { line, character } = file.getLineAndCharacterOfPosition(start ?? 0);
  return {
    block,
    location: `${block.file}:${block.codeLine + line}:${character + 1}`,
    message: describe(diagnostic),
  };
};

/**
 * Type-checks every snippet of the workspace in one program with the TypeScript compiler API,
 * using the workspace's tsconfig (the project's options, sources reached through `paths`).
 */
export function typeCheckSnippets(workspace: SnippetWorkspace): TypeCheckResult {
  const configErrors: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(workspace.tsconfigPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => configErrors.push(diagnostic),
  });
  if (parsed === undefined || configErrors.length > 0 || parsed.errors.length > 0) {
    const errors = [...configErrors, ...(parsed?.errors ?? [])];
    return {
      diagnostics: errors.map((error) => ({
        block: undefined,
        location: workspace.tsconfigPath,
        message: describe(error),
      })),
      ignoredOutsideSnippets: 0,
    };
  }
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics: SnippetDiagnostic[] = [];
  let ignoredOutsideSnippets = 0;
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (diagnostic.category !== ts.DiagnosticCategory.Error) continue;
    const located = locate(workspace, diagnostic);
    if (located === undefined) ignoredOutsideSnippets += 1;
    else diagnostics.push(located);
  }
  return { diagnostics, ignoredOutsideSnippets };
}
