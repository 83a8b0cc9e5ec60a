import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RouteHandler } from '../http/route-handler.js';

/**
 * Only the gateway's own files, and images the pages build or link as `data:` URLs; no inline
 * script or style, no framing, and no other origin than those a page names for its scripts'
 * requests (`connect-src`: the inbox's identity provider).
 */
const securityHeaders = (connectSources: readonly string[]): Readonly<Record<string, string>> => ({
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'" +
    (connectSources.length === 0 ? '' : `; connect-src 'self' ${connectSources.join(' ')}`),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
});

const assetsDir = fileURLToPath(new URL('./assets/', import.meta.url));

/** Escapes a value for an HTML attribute. */
export const attribute = (value: string): string =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Options of `createPageHandlers`. */
export interface PageRouteOptions {
  /** Where the page is served; its files are served below it. */
  path: string;
  /** The page's HTML file in the package's assets. */
  page: string;
  /** The page's files and their content types; nothing else under the path is served. */
  assets: Readonly<Record<string, string>>;
  /** Fills the page's own placeholders; `__BASE__` (the path) is filled after it. */
  fill: (html: string) => string;
  /**
   * Files served from outside the assets (a browser build of a dependency): name to content
   * type and absolute path.
   */
  vendored?: Readonly<Record<string, { type: string; path: string }>>;
  /** Origins the page's scripts may call besides its own (`connect-src`), e.g. an identity provider. */
  connectSources?: readonly string[];
}

/** The handlers of one page: the page (`GET <path>`) and its files (`GET <path>/:file`). */
export interface PageHandlers {
  page: RouteHandler;
  file: RouteHandler;
}

/**
 * Serves one page of the package's assets at `path` and its listed files at `path/:file`, read
 * once and cached, all under a strict content security policy; any other file is a 404.
 */
export function createPageHandlers(options: PageRouteOptions): PageHandlers {
  const headers = securityHeaders(options.connectSources ?? []);
  const files: Record<string, { type: string; path: string }> = {};
  for (const [name, type] of Object.entries(options.assets))
    files[name] = { type, path: `${assetsDir}${name}` };
  for (const [name, file] of Object.entries(options.vendored ?? {})) files[name] = file;
  // eslint-disable-next-line gateway/churn-collections -- one entry per file of the page, written once each
  const cache = new Map<string, Promise<string>>();
  const load = (path: string): Promise<string> => {
    let text = cache.get(path);
    if (text === undefined) {
      text = readFile(path, 'utf8');
      cache.set(path, text);
    }
    return text;
  };
  const page: RouteHandler = async (context) => {
    const filled = options
      .fill(await load(`${assetsDir}${options.page}`))
      .replaceAll('__BASE__', options.path);
    return context.body(filled, 200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
  };
  const file: RouteHandler = async (context) => {
    const name = context.req.param('file') ?? '';
    const found = Object.hasOwn(files, name) ? files[name] : undefined;
    if (found === undefined) return context.json({ detail: 'Not Found' }, 404);
    return context.body(await load(found.path), 200, { ...headers, 'content-type': found.type });
  };
  return { page, file };
}
