/**
 * Human-in-the-loop approval contracts. The dispatcher asks; a transport (HTTP, a CLI, a test)
 * answers.
 */

import type { ToolCall, ToolOutcome } from './tool.js';

/** A tool call waiting for a decision. */
export interface ApprovalRequest {
  toolCallId: string;
  /** 16 random hex characters; the answer must echo it. */
  nonce: string;
  toolName: string;
  toolInput: Record<string, unknown>;
  resolvedQualifier: string;
  /** How long the requester waits before treating silence as a timeout. */
  timeoutMs: number;
  /**
   * False when the call would run unsandboxed (code execution on the plain subprocess
   * backend): the code runs as a real user of the host. Absent when the tool does not say.
   */
  sandboxed?: boolean;
  /**
   * False when "always allow" will not be honoured for this call (an unsandboxed backend
   * without `allowAlwaysForUnsandboxed`): an approval then covers this one call only.
   */
  allowAlways?: boolean;
}

/** What a tool says about its calls' approval: see `ApprovalRequest.sandboxed`/`allowAlways`. */
export interface ApprovalTraits {
  sandboxed?: boolean;
  allowAlways?: boolean;
}

/** The approval traits of one call (e.g. the code-execution backend it resolves to). */
export type ApprovalTraitsOf = (
  toolName: string,
  toolInput: Record<string, unknown>,
  qualifier: string,
) => ApprovalTraits;

/**
 * Who answered an approval, when it was another principal than the one whose run asked
 * (`POST /runs/:id/tool-approval`): the approval audit records it instead of the run's session.
 */
export interface ApprovalAnswerer {
  sessionId: string;
  /** The answering session's owner (`ThreadOwner`). */
  apiKeyHash: string;
  user?: string;
  principal?: { issuer: string; tenant?: string; subject: string };
  /** Where the answer was given; travels with the decision so whichever writer settles the audit names it. */
  surface?: AnswerSurface;
}

/**
 * Where a person answered: `chat` (the run's own client: `POST /chat/tool-approval` or a frontend
 * protocol), `run_api` (`POST /runs/:id/tool-approval`), `inbox` (`POST /approvals/:id/answer`,
 * the `/inbox` page or a bot) or `slack` (a button of the Slack message).
 */
export type AnswerSurface = 'chat' | 'run_api' | 'inbox' | 'slack';

/** Every `AnswerSurface`, for parsers. */
export const ANSWER_SURFACES: readonly AnswerSurface[] = ['chat', 'run_api', 'inbox', 'slack'];

/** The answer to an approval request. */
export interface ApprovalDecision {
  approved: boolean;
  /** "Always allow" this tool (and qualifier) for the rest of the session. */
  allowToolType?: boolean;
  /** Who answered, when not the run's own session. */
  answeredBy?: ApprovalAnswerer;
  /** Why, in the answerer's words: a denial's reason reaches the model with the refusal. */
  reason?: string;
}

/** Asks for a decision; resolves `null` on timeout. Must settle promptly when `signal` aborts. */
export type RequestApproval = (
  request: ApprovalRequest,
  signal: AbortSignal,
) => Promise<ApprovalDecision | null>;

/**
 * Runs a call a person approved at most once, however many paths hold the approval (the live
 * run, the run resumed from its suspension, on any instance): `execute` runs only for the path
 * that claims the call's execution first; any other resolves that path's recorded outcome
 * instead (or a failure the model reads when it cannot have it). Settles promptly when `signal`
 * aborts.
 */
export type RunApprovedOnce = (
  call: ToolCall,
  execute: () => Promise<ToolOutcome>,
  signal: AbortSignal,
) => Promise<ToolOutcome>;

/** Decides whether a call needs approval. */
export type NeedsApproval = (
  toolName: string,
  toolInput: Record<string, unknown>,
  qualifier: string,
) => boolean | Promise<boolean>;
