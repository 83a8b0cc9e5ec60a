import { isToolUIPart } from 'ai';
import type { GatewayMessage } from './gateway-chat.js';
import { ToolPartView, type ToolPartViewProps } from './ToolPartView.js';

/** Props of `MessageView`. */
export interface MessageViewProps {
  message: GatewayMessage;
  onAnswer: ToolPartViewProps['onAnswer'];
}

/** One message: its text, reasoning and tool parts in order, and the run's usage once known. */
export function MessageView({ message, onAnswer }: MessageViewProps) {
  const usage = message.metadata?.usage;
  return (
    <article className={`message ${message.role}`}>
      <header>{message.role}</header>
      {message.parts.map((part, index) => {
        const key = `${message.id}-${index}`;
        if (part.type === 'text') return <p key={key}>{part.text}</p>;
        if (part.type === 'reasoning')
          return (
            <details key={key}>
              <summary>Reasoning</summary>
              {part.text}
            </details>
          );
        if (isToolUIPart(part)) return <ToolPartView key={key} part={part} onAnswer={onAnswer} />;
        return null; // step-start, sources, files, data parts: not used by this agent
      })}
      {usage !== undefined && (
        <footer className="usage">
          {usage.inputTokens} tokens in, {usage.outputTokens} out, about ${usage.estimatedCost.toFixed(4)}
        </footer>
      )}
    </article>
  );
}
