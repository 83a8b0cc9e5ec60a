import { INBOX_PATH } from '../contracts/inbox-address.js';
import { attribute, createPageHandlers, type PageHandlers } from './page-routes.js';

export { INBOX_PATH };

/** The page's files and their content types; nothing else under the path is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'inbox.js': 'text/javascript; charset=utf-8',
  'inbox-answers.js': 'text/javascript; charset=utf-8',
  'inbox.css': 'text/css; charset=utf-8',
};

/**
 * Serves the approvals inbox: `GET /inbox` (one page, its script and style sheet, read from the
 * package and cached). The page speaks only the public API (`/approvals`, its stream and its
 * answers) with the token a person pastes; it is on and off with the playground.
 */
export function createInboxPageHandlers(options: { prefix: string }): PageHandlers {
  return createPageHandlers({
    path: INBOX_PATH,
    page: 'inbox.html',
    assets: ASSETS,
    fill: (html) => html.replaceAll('__PREFIX__', attribute(options.prefix)),
  });
}
