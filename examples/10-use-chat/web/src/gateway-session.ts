/**
 * The two plain gateway calls the page makes besides the chat itself: opening a session and
 * cancelling its run. `apiBase` is `/api` in the browser (Vite proxies it to the gateway) and an
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
