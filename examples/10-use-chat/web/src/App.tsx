import { useEffect, useState } from 'react';
import { ChatView } from './ChatView.js';
import { loadStoredChat, openSession, type StoredChat } from './gateway-session.js';
import { forgetSession, loadSession, saveSession, type StoredSession } from './stored-session.js';

/** Vite proxies this path to the gateway (vite.config.ts). */
const API_BASE = '/api';

/**
 * Exchanged for a session token on load. A demo shortcut: in production your backend calls
 * `/api/chat/init` with the real key and hands the browser only the session token.
 */
const API_KEY = import.meta.env.VITE_GATEWAY_API_KEY ?? 'local-demo-key';

/** Opens a session (or finds the one this tab opened before a reload), then shows its chat. */
export function App() {
  const [session, setSession] = useState<StoredSession | undefined>(loadSession);
  const [error, setError] = useState<string>();
  const [kept, setKept] = useState<StoredChat>();

  // A chat the gateway keeps comes back from it (after a reload too).
  useEffect(() => {
    if (session === undefined) return;
    setKept(undefined);
    loadStoredChat(API_BASE, session.token, session.chatId).then(setKept, () => setKept({ kept: false }));
  }, [session]);

  useEffect(() => {
    if (session !== undefined) return;
    const controller = new AbortController();
    openSession(API_BASE, API_KEY, controller.signal).then(
      (token) => {
        const opened = { token, chatId: crypto.randomUUID() };
        saveSession(opened);
        setSession(opened);
      },
      (openError: unknown) => {
        if (!controller.signal.aborted)
          setError(openError instanceof Error ? openError.message : String(openError));
      },
    );
    return () => controller.abort();
  }, [session]);

  const newSession = () => {
    if (session !== undefined) forgetSession(session);
    setError(undefined);
    setSession(undefined);
  };

  return (
    <>
      <h1>ai-agent-gateway + useChat</h1>
      {error !== undefined && <p className="error">Could not open a session: {error}</p>}
      {session === undefined || kept === undefined ? (
        error === undefined && <p>Opening a session...</p>
      ) : (
        <>
          <ChatView
            key={session.chatId}
            apiBase={API_BASE}
            session={session}
            keptMessages={kept.kept ? kept.messages : undefined}
            onNewSession={newSession}
          />
          <button type="button" onClick={newSession}>
            New session
          </button>
        </>
      )}
    </>
  );
}
