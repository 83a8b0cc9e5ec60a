import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { RouteHandler } from '../http/route-handler.js';

/**
 * Only the gateway's own files, and images the pages build or link as `data:` URLs; no inline
 * script or style, no other origin, no framing.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

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
  // eslint-disable-next-line gateway/churn-collections -- one entry per asset file of the package, written once each
  const cache = new Map<string, Promise<string>>();
  const load = (name: string): Promise<string> => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFile(`${assetsDir}${name}`, 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  const page: RouteHandler = async (context) => {
    const filled = options.fill(await load(options.page)).replaceAll('__BASE__', options.path);
    return context.body(filled, 200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  };
  const file: RouteHandler = async (context) => {
    const name = context.req.param('file') ?? '';
    const type = Object.hasOwn(options.assets, name) ? options.assets[name] : undefined;
    if (type === undefined) return context.json({ detail: 'Not Found' }, 404);
    return context.body(await load(name), 200, { ...SECURITY_HEADERS, 'content-type': type });
  };
  return { page, file };
}
