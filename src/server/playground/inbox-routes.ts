import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

import { INBOX_PATH } from '../contracts/inbox-address.js';

export { INBOX_PATH };

/** The page's files and their content types; nothing else under the path is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'inbox.js': 'text/javascript; charset=utf-8',
  'inbox.css': 'text/css; charset=utf-8',
};

/** Only the gateway's own files (and the page's empty `data:` icon): no inline script or style, no other origin, no framing. */
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

/**
 * Serves the approvals inbox: `GET /inbox` (one page, its script and style sheet, read from the
 * package and cached). The page speaks only the public API (`/approvals`, its stream and its
 * answers) with the token a person pastes; it is on and off with the playground.
 */
export function mountInbox(hono: Hono, options: { prefix: string }): void {
  const cache = new Map<string, Promise<string>>();
  const load = (name: string): Promise<string> => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFile(`${assetsDir}${name}`, 'utf8');
      cache.set(name, text);
    }
    return text;
  };
  hono.get(INBOX_PATH, async (context) => {
    const page = (await load('inbox.html'))
      .replaceAll('__PREFIX__', attribute(options.prefix))
      .replaceAll('__BASE__', INBOX_PATH);
    return context.body(page, 200, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' });
  });
  hono.get(`${INBOX_PATH}/:file`, async (context) => {
    const file = context.req.param('file');
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (type === undefined) return context.json({ detail: 'Not Found' }, 404);
    return context.body(await load(file), 200, { ...SECURITY_HEADERS, 'content-type': type });
  });
}
