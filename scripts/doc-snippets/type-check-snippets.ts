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
 * Type-checks every snippet of the workspace with the TypeScript compiler API: the `.ts` ones in
 * one program with the workspace's tsconfig (the project's options, sources reached through
 * `paths`), the `.tsx` ones in another with its browser tsconfig.
 */
export function typeCheckSnippets(workspace: SnippetWorkspace): TypeCheckResult {
  const hasServerSnippets = [...workspace.blocksByFileName.keys()].some((name) => name.endsWith('.ts'));
  const configs = [
    ...(hasServerSnippets ? [workspace.tsconfigPath] : []),
    ...(workspace.browserTsconfigPath === undefined ? [] : [workspace.browserTsconfigPath]),
  ];
  const results = configs.map((tsconfigPath) => typeCheckProgram(workspace, tsconfigPath));
  return {
    diagnostics: results.flatMap((result) => result.diagnostics),
    ignoredOutsideSnippets: results.reduce((sum, result) => sum + result.ignoredOutsideSnippets, 0),
  };
}

/** Type-checks the files one tsconfig of the workspace lists, in one program. */
function typeCheckProgram(workspace: SnippetWorkspace, tsconfigPath: string): TypeCheckResult {
  const configErrors: ts.Diagnostic[] = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => configErrors.push(diagnostic),
  });
  if (parsed === undefined || configErrors.length > 0 || parsed.errors.length > 0) {
    const errors = [...configErrors, ...(parsed?.errors ?? [])];
    return {
      diagnostics: errors.map((error) => ({
        block: undefined,
        location: tsconfigPath,
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
