import { useChat } from '@ai-sdk/react';
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { createGatewayChat, type GatewayMessage } from './gateway-chat.js';
import { MessageView } from './MessageView.js';
import { loadMessages, saveMessages, type StoredSession } from './stored-session.js';

/** Props of `ChatView`. */
export interface ChatViewProps {
  apiBase: string;
  session: StoredSession;
  /** The chat as the gateway keeps it (restored after a reload), or undefined when it keeps none. */
  keptMessages: GatewayMessage[] | undefined;
  /** Drops this session and opens a new one (after a 401, or to start over). */
  onNewSession: () => void;
}

/** The chat of one session: messages, input, Stop, and the errors of either. */
export function ChatView({ apiBase, session, keptMessages, onNewSession }: ChatViewProps) {
  const gateway = useMemo(
    () =>
      createGatewayChat({
        apiBase,
        token: session.token,
        id: session.chatId,
        // The gateway's copy when it keeps the chat, else the one this tab saved.
        messages: keptMessages ?? loadMessages(session.chatId),
        sendLastMessageOnly: keptMessages !== undefined,
      }),
    [apiBase, session, keptMessages],
  );
  // resume: on mount (a reload), GET /api/ui/chat/<id>/stream replays the answer in progress.
  const { messages, sendMessage, status, error } = useChat({ chat: gateway.chat, resume: true });
  const [input, setInput] = useState('');
  const [stopError, setStopError] = useState<string>();
  const busy = status === 'submitted' || status === 'streaming';

  useEffect(() => saveMessages(session.chatId, messages), [session.chatId, messages]);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const text = input.trim();
    if (text === '' || busy) return;
    setInput('');
    void sendMessage({ text });
  };

  // Not useChat's stop(), which only closes this tab's connection: the run would go on.
  const stopRun = async () => {
    setStopError(undefined);
    try {
      await gateway.stop();
    } catch (cancelError: unknown) {
      setStopError(cancelError instanceof Error ? cancelError.message : String(cancelError));
    }
  };

  return (
    <main>
      {messages.map((message) => (
        <MessageView
          key={message.id}
          message={message}
          onAnswer={(approvalId, approved, always) =>
            void gateway.answerApproval(approvalId, approved, { always })
          }
        />
      ))}
      {error !== undefined && (
        <p className="error">
          {error.message} <button onClick={onNewSession}>New session</button>
        </p>
      )}
      {stopError !== undefined && <p className="error">{stopError}</p>}
      <form onSubmit={submit}>
        <input
          value={input}
          onChange={(event) => setInput(event.target.value)}
          placeholder="Add buy milk to my list, then tell me what time it is here"
          autoFocus
        />
        <button type="submit" disabled={busy}>
          Send
        </button>
        <button type="button" disabled={!busy} onClick={() => void stopRun()}>
          Stop
        </button>
        <span className="state">{status}</span>
      </form>
    </main>
  );
}
