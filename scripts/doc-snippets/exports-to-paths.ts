/** A TypeScript `paths` map: import specifier (may hold one `*`) to candidate files. */
export type PathsMap = Record<string, string[]>;

const CONDITION_ORDER = ['types', 'import', 'default'];

/** The file a package.json export target names, preferring types, then import, then default. */
const pickTarget = (target: unknown): string | undefined => {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) return target.map(pickTarget).find((value) => value !== undefined);
  if (typeof target !== 'object' || target === null) return undefined;
  const conditions = target as Record<string, unknown>;
  for (const condition of CONDITION_ORDER) {
    const picked = pickTarget(conditions[condition]);
    if (picked !== undefined) return picked;
  }
  return undefined;
};

const BUILT_FILE = /^\.\/dist\/(.+?)(?:\.d\.ts|\.d\.mts|\.js|\.mjs)$/;

/** `./dist/testing/index.js` (or `.d.ts`) to `./src/testing/index.ts`; other targets: undefined. */
export function builtFileToSource(target: string): string | undefined {
  const match = BUILT_FILE.exec(target);
  return match === null ? undefined : `./src/${match[1]}.ts`;
}

const subpathEntries = (exportsField: unknown): Array<[string, unknown]> => {
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) return [['.', exportsField]];
  if (typeof exportsField !== 'object' || exportsField === null) return [];
  const entries = Object.entries(exportsField);
  // An object of conditions (no key starts with '.') is the export of the package root.
  return entries.every(([key]) => !key.startsWith('.')) ? [['.', exportsField]] : entries;
};

/**
 * The `paths` that make `packageName` and `packageName/<subpath>` resolve to the sources instead
 * of the build: each export whose target lies under `./dist/` maps to the same file under
 * `./src/` with a `.ts` extension (wildcard subpaths keep their `*`). Targets outside `dist/`
 * (`./package.json`) and excluded subpaths (`null`) are left out. Paths are relative to the
 * package root, in the `./src/...` form.
 */
export function exportsToPaths(packageName: string, exportsField: unknown): PathsMap {
  const paths: PathsMap = {};
  for (const [subpath, target] of subpathEntries(exportsField)) {
    const picked = pickTarget(target);
    const source = picked === undefined ? undefined : builtFileToSource(picked);
    if (source === undefined) continue;
    const specifier = subpath === '.' ? packageName : `${packageName}/${subpath.replace(/^\.\//, '')}`;
    paths[specifier] = [source];
  }
  return paths;
}
