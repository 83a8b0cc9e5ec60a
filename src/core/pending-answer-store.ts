/**
 * Pending answers: tool calls waiting while a person or a client answers them: their records and the store that
 * holds them. Times are unix seconds; records handed out are copies.
 */
/** Why a tool call waits for an answer: waiting for a human decision or for a client-side result. */
export type PendingAnswerKind = 'approval' | 'client_tool';

/**
 * Where a pending answer stands. Approvals go `approval_pending` → `approval_received`; client
 * tools go `pending` → `received`. The status names are part of the stored format.
 */
export type PendingAnswerStatus = 'approval_pending' | 'approval_received' | 'pending' | 'received';

/**
 * Names one pending answer. A tool call id alone names nothing: the model server chooses it, and
 * OpenAI-compatible servers (Ollama, vLLM, llama.cpp) give `call_0` to a call in every
 * conversation. So a pending answer is always named by the session and the run that asked for it too.
 */
export interface PendingAnswerKey {
  sessionId: string;
  runId: string;
  toolCallId: string;
}

/** A pending answer: a tool call waiting until a client answers it over HTTP. */
export interface PendingAnswerRecord extends PendingAnswerKey {
  /** The model server's id of the call: what the client names in its answer. */
  toolCallId: string;
  /** Only this session may answer the call. */
  sessionId: string;
  /** The run waiting for the answer; its end withdraws the call. */
  runId: string;
  kind: PendingAnswerKind;
  /** Random value the answer must echo, so that a tool call id alone is not enough to answer. */
  nonce: string;
  requestedAt: number;
  /** Answers arriving at or after this time are refused with 410. */
  expiresAt: number;
  status: PendingAnswerStatus;
  toolName: string;
  resolvedQualifier?: string;
  /** `false`: an "always allow" answer is not applied to this call (unsandboxed code execution). */
  allowAlways?: false;
}

/** Whether a status means the call still waits for its answer. */
export function isPendingStatus(status: PendingAnswerStatus): boolean {
  return status === 'pending' || status === 'approval_pending';
}

/**
 * Pending answers, keyed by (session, run, tool call id): records of other sessions and runs
 * that carry the same tool call id are never read, replaced, answered or removed through
 * another's key. An answered record (`approval_received`, `received`) stays behind as a
 * tombstone until its `expiresAt` passes, so that a repeated answer hears "already submitted"
 * (409) rather than "unknown" (404).
 */
export interface PendingAnswerStore {
  /**
   * Stores a new record under its key; false (and nothing changes, nothing is indexed) when
   * that key still waits for an answer. An answered tombstone of the same key is replaced.
   */
  create(record: PendingAnswerRecord): Promise<boolean>;
  /** The record, or undefined when unknown. */
  get(key: PendingAnswerKey): Promise<PendingAnswerRecord | undefined>;
  /**
   * The call the session asked last under `toolCallId` (of any of its runs), or undefined
   * when there is none (or that one is gone). This is how an answer is matched: the client
   * names only the tool call id, and its session comes from its token; another session's
   * calls are never found.
   */
  findInSession(sessionId: string, toolCallId: string): Promise<PendingAnswerRecord | undefined>;
  /**
   * Atomically moves the record from status `from` to `to`. True for exactly one caller when
   * several race: this compare-and-set is what makes "answered exactly once" hold across
   * instances. False when the record is missing or not in `from`.
   */
  transition(key: PendingAnswerKey, from: PendingAnswerStatus, to: PendingAnswerStatus): Promise<boolean>;
  /** Removes the record; true when one was removed. */
  delete(key: PendingAnswerKey): Promise<boolean>;
  /**
   * Removes every record of the run that still waits for an answer (the run ended or moved);
   * answered tombstones stay until they expire. Other runs' records, of the same session
   * included, are left alone.
   */
  deletePendingOfRun(sessionId: string, runId: string): Promise<void>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}
