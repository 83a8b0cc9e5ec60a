import type { GatewayMessage } from './gateway-chat.js';

/** The session a tab keeps across reloads: its token, its chat id and the messages so far. */
export interface StoredSession {
  token: string;
  chatId: string;
}

const SESSION_KEY = 'ai-agent-gateway-example:session';
const messagesKey = (chatId: string): string => `ai-agent-gateway-example:messages:${chatId}`;

/** The tab's session, if it opened one before this load. */
export function loadSession(): StoredSession | undefined {
  const stored = sessionStorage.getItem(SESSION_KEY);
  if (stored === null) return undefined;
  const parsed = JSON.parse(stored) as Partial<StoredSession>;
  return typeof parsed.token === 'string' && typeof parsed.chatId === 'string'
    ? { token: parsed.token, chatId: parsed.chatId }
    : undefined;
}

/** Remembers the tab's session (sessionStorage: per tab, gone when the tab closes). */
export function saveSession(session: StoredSession): void {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

/** Forgets the session and its messages (a new session starts an empty chat). */
export function forgetSession(session: StoredSession): void {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(messagesKey(session.chatId));
}

/**
 * The messages of a chat as last saved. The gateway keeps runs, not UI messages: the history is
 * the client's to keep, and `useChat` sends it whole with each request.
 */
export function loadMessages(chatId: string): GatewayMessage[] {
  const stored = sessionStorage.getItem(messagesKey(chatId));
  return stored === null ? [] : (JSON.parse(stored) as GatewayMessage[]);
}

/** Saves a chat's messages. */
export function saveMessages(chatId: string, messages: readonly GatewayMessage[]): void {
  sessionStorage.setItem(messagesKey(chatId), JSON.stringify(messages));
}
