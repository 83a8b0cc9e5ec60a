import type { GatewayMessage } from './gateway-chat.js';

/**
 * The plain gateway calls the page makes besides the chat itself: opening a session, reading a
 * kept chat back, and cancelling its run. `apiBase` is `/api` in the browser (Vite proxies it to the gateway) and an
 * absolute URL in the tests.
 */

/** Exchanges an API key for a session token (`POST {apiBase}/chat/init`). */
export async function openSession(apiBase: string, apiKey: string, signal?: AbortSignal): Promise<string> {
  const response = await fetch(`${apiBase}/chat/init`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ api_key: apiKey }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (!response.ok) throw new Error(`chat/init: HTTP ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { session_token?: unknown };
  if (typeof body.session_token !== 'string') throw new Error('chat/init: no session_token in the answer');
  return body.session_token;
}

/** A chat as the gateway keeps it: its messages, or that the gateway keeps no chats. */
export type StoredChat = { kept: true; messages: GatewayMessage[] } | { kept: false };

/**
 * The chat the gateway keeps under `chatId` (`GET {apiBase}/ui/chat/{chatId}/messages`, with a
 * database): its messages, none yet for a new chat, or `kept: false` when the gateway keeps no
 * chats (`404` with code `database_not_configured`): the page then keeps them itself.
 */
export async function loadStoredChat(apiBase: string, token: string, chatId: string): Promise<StoredChat> {
  const response = await fetch(`${apiBase}/ui/chat/${encodeURIComponent(chatId)}/messages`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  if (response.ok) return { kept: true, messages: (await response.json()) as GatewayMessage[] };
  const body = (await response.json().catch(() => ({}))) as { code?: unknown };
  if (response.status === 404 && body.code !== 'database_not_configured') return { kept: true, messages: [] };
  return { kept: false };
}

/**
 * Stops the session's run on the server (`POST {apiBase}/chat/cancel`). `useChat`'s `stop()`
 * only closes the connection, and the run goes on without it: a stop button needs both.
 * Resolves `false` when no run was active (404: it had already finished).
 */
export async function cancelRun(apiBase: string, token: string, signal?: AbortSignal): Promise<boolean> {
  const response = await fetch(`${apiBase}/chat/cancel`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: '{}',
    ...(signal === undefined ? {} : { signal }),
  });
  if (response.status === 404) return false;
  if (!response.ok) throw new Error(`chat/cancel: HTTP ${response.status} ${await response.text()}`);
  return true;
}
