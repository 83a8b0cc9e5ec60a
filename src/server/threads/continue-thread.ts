import type { Message } from '../../core/messages.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ChatBody, ChatRunRequest } from '../contracts/request-schemas.js';
import { databaseNotConfigured } from './call-thread-store.js';
import type { GatewayDatabase } from '../database/gateway-database.js';
import { threadTurn } from './thread-turn.js';

/** Options of `continueThread`. */
export interface ContinueThreadOptions {
  database: GatewayDatabase | undefined;
  session: SessionRecord;
  /** The native chat body, with `thread_id` set. */
  body: ChatBody & { thread_id: string };
  report: (error: unknown, where: string) => void;
}

/**
 * Turns a chat request that names a thread into the request the run executes: the thread's
 * stored history followed by the client's new messages, and where in the thread the run's
 * messages go. A thread id not taken yet creates the thread for the session's owner; an id
 * another owner holds answers 404, like one that does not exist. 404 `database_not_configured`
 * without `server.database`; 503 `store_unavailable` when the database fails (nothing starts).
 */
export async function continueThread(options: ContinueThreadOptions): Promise<ChatRunRequest> {
  const { database, session, body, report } = options;
  if (database?.configured !== true) throw databaseNotConfigured();
  const added: Message[] = body.messages.map((message) => ({ role: message.role, content: message.content }));
  const turn = await threadTurn({ database, session, threadId: body.thread_id, added, report });
  return { ...body, history: turn.history, thread: turn.thread };
}
