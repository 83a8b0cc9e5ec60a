import type { RouteHandler } from '../http/route-handler.js';
import { attribute, createPageHandlers, type PageHandlers } from './page-routes.js';

/** Where the playground is served (outside the route prefix). */
export const PLAYGROUND_PATH = '/playground';

/** The page's files and their content types; nothing else under the path is served. */
const ASSETS: Readonly<Record<string, string>> = {
  'app.js': 'text/javascript; charset=utf-8',
  'render.js': 'text/javascript; charset=utf-8',
  'sse.js': 'text/javascript; charset=utf-8',
  'threads.js': 'text/javascript; charset=utf-8',
  'tool-cards.js': 'text/javascript; charset=utf-8',
  'transcript-view.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Options of `createPlaygroundHandlers`. */
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

/** The handlers of the playground's routes: the page and its files, `/` and the icon. */
export interface PlaygroundHandlers extends PageHandlers {
  redirect: RouteHandler;
  favicon: RouteHandler;
}

/**
 * Serves the playground: `GET /playground` (one page, its script modules and style sheet, read
 * from the package and cached), `GET /` redirecting to it and `GET /favicon.ico` (204). The page speaks only the public
 * protocol, with the session token a person opens from an API key.
 */
export function createPlaygroundHandlers(options: PlaygroundOptions): PlaygroundHandlers {
  const redirect: RouteHandler = (context) => context.redirect(PLAYGROUND_PATH, 302);
  // Browsers ask for an icon on their own; "no content" keeps a 404 out of every page load.
  const favicon: RouteHandler = (context) => context.body(null, 204, { 'cache-control': 'max-age=86400' });
  const page = createPageHandlers({
    path: PLAYGROUND_PATH,
    page: 'index.html',
    assets: ASSETS,
    fill: (html) =>
      html
        .replaceAll('__PREFIX__', attribute(options.prefix))
        .replaceAll('__MODELS__', attribute(options.models.join(',')))
        .replaceAll('__NOTICE_HIDDEN__', options.notice === undefined ? ' hidden' : '')
        .replaceAll('__NOTICE__', attribute(options.notice ?? ''))
        .replaceAll(
          '__LINKS__',
          (options.links ?? [])
            .map((link) => `<a href="${attribute(link.href)}">${attribute(link.label)}</a>`)
            .join(' '),
        ),
  });
  return { ...page, redirect, favicon };
}
