import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';

/** More pages than any sane server sends; a server that loops on its cursor stops here. */
const MAX_PAGES = 1_000;

/**
 * Lists every tool of a server, following `nextCursor` until the server stops paging. A cursor
 * the server already handed out ends the listing with an error instead of looping forever.
 */
export async function listAllMcpTools(client: Client, options: RequestOptions): Promise<Tool[]> {
  const tools: Tool[] = [];
  const seenCursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const result = await client.listTools(cursor === undefined ? undefined : { cursor }, options);
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
    if (seenCursors.has(cursor)) throw new Error(`tools/list repeated cursor ${JSON.stringify(cursor)}`);
    seenCursors.add(cursor);
  }
  throw new Error(`tools/list did not finish within ${MAX_PAGES} pages`);
}
