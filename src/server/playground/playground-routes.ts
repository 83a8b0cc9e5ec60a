import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/** Where the playground is served (outside the route prefix). */
export const PLAYGROUND_PATH = '/playground';

/** The page's files and their content types; nothing else under the path is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'sse.js': 'text/javascript; charset=utf-8',
  'threads.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/**
 * Only the gateway's own files, and images the page builds from tool results (`data:` URLs);
 * no inline script or style, no other origin, no framing.
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
const attribute = (value: string): string =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Options of `mountPlayground`. */
export interface PlaygroundOptions {
  /** The route prefix of the API the page talks to (`/api` by default). */
  prefix: string;
  /** Models the page offers in its picker (shown when there are several). */
  models: readonly string[];
  /** A line shown above the conversation (`serve --demo` says the answers are scripted). */
  notice?: string;
  /** Links the header shows to the other ways in (the A2A agent card, the MCP endpoint). */
  links?: readonly { label: string; href: string }[];
}

/**
 * Serves the playground: `GET /playground` (one page, its script modules and style sheet, read
 * from the package and cached), `GET /` redirecting to it and `GET /favicon.ico` (204). The page speaks only the public
 * protocol, with the session token a person opens from an API key.
 */
export function mountPlayground(hono: Hono, options: PlaygroundOptions): void {
  const cache = new Map<string, Promise<string>>();
  const load = (name: string): Promise<string> => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFile(`${assetsDir}${name}`, 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  hono.get('/', (context) => context.redirect(PLAYGROUND_PATH, 302));
  // Browsers ask for an icon on their own; "no content" keeps a 404 out of every page load.
  hono.get('/favicon.ico', (context) => context.body(null, 204, { 'cache-control': 'max-age=86400' }));
  hono.get(PLAYGROUND_PATH, async (context) => {
    const page = (await load('index.html'))
      .replaceAll('__PREFIX__', attribute(options.prefix))
      .replaceAll('__MODELS__', attribute(options.models.join(',')))
      .replaceAll('__NOTICE_HIDDEN__', options.notice === undefined ? ' hidden' : '')
      .replaceAll('__NOTICE__', attribute(options.notice ?? ''))
      .replaceAll(
        '__LINKS__',
        (options.links ?? [])
          .map((link) => `<a href="${attribute(link.href)}">${attribute(link.label)}</a>`)
          .join(' '),
      )
      .replaceAll('__BASE__', PLAYGROUND_PATH);
    return context.body(page, 200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  });
  hono.get(`${PLAYGROUND_PATH}/:file`, async (context) => {
    const file = context.req.param('file');
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (type === undefined) return context.json({ detail: 'Not Found' }, 404);
    return context.body(await load(file), 200, { ...SECURITY_HEADERS, 'content-type': type });
  });
}
