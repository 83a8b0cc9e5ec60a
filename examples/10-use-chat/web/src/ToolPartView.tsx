import { getToolName, type DynamicToolUIPart, type ToolUIPart } from 'ai';

/** Props of `ToolPartView`. */
export interface ToolPartViewProps {
  /** A `tool-<name>` part (this agent's tools) or a `dynamic-tool` part (MCP tools). */
  part: ToolUIPart | DynamicToolUIPart;
  /** Answers the part's approval (`part.approval.id`); `always` approves the tool for the session. */
  onAnswer: (approvalId: string, approved: boolean, always: boolean) => void;
}

const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? String(value);

/** One tool call: its name, input and state; buttons while it waits for approval; its outcome. */
export function ToolPartView({ part, onAnswer }: ToolPartViewProps) {
  const name = getToolName(part);
  return (
    <div className="tool">
      <div>
        <strong>{name}</strong> <span className="state">{part.state}</span>
        {part.type === 'dynamic-tool' && <span className="state"> (MCP)</span>}
      </div>
      {part.input !== undefined && <pre>{json(part.input)}</pre>}
      {part.state === 'approval-requested' && (
        <div className="buttons">
          <button type="button" onClick={() => onAnswer(part.approval.id, true, false)}>
            Approve
          </button>
          <button type="button" onClick={() => onAnswer(part.approval.id, true, true)}>
            Always allow {name}
          </button>
          <button type="button" onClick={() => onAnswer(part.approval.id, false, false)}>
            Deny
          </button>
        </div>
      )}
      {part.state === 'approval-responded' && <div>{part.approval.approved ? 'Approved' : 'Denied'}</div>}
      {part.state === 'output-available' && <pre>{json(part.output)}</pre>}
      {part.state === 'output-error' && <pre className="error">{part.errorText}</pre>}
      {part.state === 'output-denied' && <div>Denied: the tool did not run.</div>}
    </div>
  );
}
