import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/**
 * Only the gateway's own files, and images the pages build or link as `data:` URLs; no inline
 * script or style, no other origin, no framing.
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

/** Options of `mountPage`. */
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

/**
 * Serves one page of the package's assets at `path` and its listed files at `path/:file`, read
 * once and cached, all under a strict content security policy; any other file is a 404.
 */
export function mountPage(hono: Hono, options: PageRouteOptions): void {
  const headers = securityHeaders(options.connectSources ?? []);
  const files = new Map<string, { type: string; path: string }>();
  for (const [name, type] of Object.entries(options.assets))
    files.set(name, { type, path: `${assetsDir}${name}` });
  for (const [name, file] of Object.entries(options.vendored ?? {})) files.set(name, file);
  const cache = new Map<string, Promise<string>>();
  const load = (path: string): Promise<string> => {
    let text = cache.get(path);
    if (text === undefined) {
      text = readFile(path, 'utf8');
      cache.set(path, text);
    }
    return text;
  };
  hono.get(options.path, async (context) => {
    const page = options.fill(await load(`${assetsDir}${options.page}`)).replaceAll('__BASE__', options.path);
    return context.body(page, 200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
  });
  hono.get(`${options.path}/:file`, async (context) => {
    const file = files.get(context.req.param('file'));
    if (file === undefined) return context.json({ detail: 'Not Found' }, 404);
    return context.body(await load(file.path), 200, { ...headers, 'content-type': file.type });
  });
}
