import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GatewayApp } from '../server/gateway-app.js';

const isGatewayApp = (value: unknown): value is GatewayApp =>
  typeof value === 'object' &&
  value !== null &&
  'fetch' in value &&
  typeof value.fetch === 'function' &&
  'listen' in value &&
  typeof value.listen === 'function' &&
  'close' in value &&
  typeof value.close === 'function';

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/** Errors Node raises when CommonJS code `require`s a package that only offers an ESM entry. */
const ESM_ONLY_CODES = new Set(['ERR_PACKAGE_PATH_NOT_EXPORTED', 'ERR_REQUIRE_ESM']);

/**
 * A `.ts` file outside a `"type": "module"` package is compiled as CommonJS, and CommonJS cannot
 * load this ESM-only package; Node's own message names the package.json, not the fix.
 */
const withModuleFormatHint = (error: unknown): unknown => {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  if (typeof code !== 'string' || !ESM_ONLY_CODES.has(code) || !(error instanceof Error)) return error;
  return new Error(
    `${error.message}\nThe agent file was loaded as CommonJS, which cannot import ES-module-only packages ` +
      'such as ai-agent-gateway: add "type": "module" to your package.json (npm pkg set type=module) ' +
      'or name the file .mts.',
    { cause: error },
  );
};

/**
 * Names the agent file and line an error was thrown from while the module loaded (a bad option
 * to createAgent, a typo in the module): `agent.ts:12:7: <message>`, from the first frame of its
 * stack inside the file. The file is named as in the command line, folders included
 * (`agents/support.ts:3:16`), relative to the working directory when it lies inside it. The
 * original error stays the cause, for `--verbose`.
 */
const atAgentLine = (error: unknown, path: string, displayName: string): unknown => {
  if (!(error instanceof Error)) return error;
  const url = pathToFileURL(path).href;
  const frames = (error.stack ?? '').split('\n').slice(1);
  let where = '';
  for (const frame of frames) {
    const name = frame.includes(url) ? url : frame.includes(path) ? path : undefined;
    if (name === undefined) continue;
    // tsx may add a query to the module's URL (`?tsx-namespace=…`) before the position.
    const position = /^(?:\?[^:)\s]*)?:(\d+):(\d+)/.exec(frame.slice(frame.indexOf(name) + name.length));
    where = position === null ? '' : `:${position[1]}:${position[2]}`;
    break;
  }
  const wrapped = new Error(`${displayName}${where}: ${error.message}`, { cause: error });
  wrapped.stack = [wrapped.message, ...frames].join('\n');
  return wrapped;
};

/** Files Node cannot run by itself (tsx compiles them on the fly). */
const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

let typeScriptHooks: Promise<void> | undefined;

/**
 * Lets this process import TypeScript, once: tsx's loader hooks are registered for ES modules
 * and for `require` (an agent in a folder without `"type": "module"` is CommonJS), through tsx, a
 * dependency of this package, so that `agent-gateway serve agent.ts` works as pasted on every
 * Node version the package supports (Node 20 cannot strip types by itself). Registered for the
 * whole process rather than in a namespace of its own, so that an agent importing
 * `ai-agent-gateway` shares the modules the CLI already loaded instead of loading (and
 * compiling) the package a second time. If tsx cannot be loaded the install is broken: say so.
 */
const registerTypeScript = (): Promise<void> =>
  (typeScriptHooks ??= (async () => {
    try {
      const [esm, cjs] = await Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]);
      esm.register();
      cjs.register();
    } catch (error) {
      typeScriptHooks = undefined;
      throw new Error(
        'Serving a TypeScript file needs the tsx package, which ai-agent-gateway depends on but which could ' +
          'not be loaded: reinstall the dependencies (npm install), or compile the agent to JavaScript and ' +
          'serve the .js file.',
        { cause: error },
      );
    }
  })());

/** Imports a TypeScript module (see `registerTypeScript`). */
const importTypeScript = async (url: string): Promise<unknown> => {
  await registerTypeScript();
  return import(url);
};

/**
 * Loads an agent module (`.ts` through tsx, or plain `.js`) and returns its gateway app: the
 * default export, else an export named `app`. Throws with a message that says what was found.
 */
export async function loadAgentModule(file: string, cwd: string = process.cwd()): Promise<GatewayApp> {
  const path = resolve(cwd, file);
  if (!existsSync(path)) throw new Error(`Agent module not found: ${path}`);
  // Stack traces then point at the agent's own TypeScript lines (tsx inlines source maps).
  process.setSourceMapsEnabled(true);
  let loaded: unknown;
  try {
    loaded = TYPESCRIPT_FILE.test(path)
      ? await importTypeScript(pathToFileURL(path).href)
      : await import(pathToFileURL(path).href);
  } catch (error) {
    const hinted = withModuleFormatHint(error);
    const inside = relative(cwd, path);
    const displayName = inside === '' || inside.startsWith('..') || isAbsolute(inside) ? file : inside;
    throw hinted === error ? atAgentLine(error, path, displayName) : hinted;
  }
  const exports = asRecord(loaded);
  // A .ts file in a CommonJS package is compiled to CommonJS; importing it then yields its
  // `exports` object as `default`, so its own exports sit one level down.
  const compiledExports = asRecord(exports.default);
  const candidate = [exports.default, exports.app, compiledExports.default, compiledExports.app].find(
    isGatewayApp,
  );
  if (candidate !== undefined) return candidate;
  const names = Object.keys(exports).join(', ') || '(none)';
  throw new Error(
    `${file} must export a gateway app (from createAgent or createGatewayApp) as its default export or as \`app\`; its exports are: ${names}`,
  );
}
