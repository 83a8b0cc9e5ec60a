/**
 * Contracts that let a run outlive the instance running it: the checkpoint the agent loop
 * writes after each step, and the leases through which instances agree on who runs what.
 */

import type { ContentBlock, Message, StopReason, ToolResultBlock, ToolUseBlock } from './messages.js';
import type { TurnUsage } from './provider.js';

/** A finished tool call recorded in a checkpoint: the blocks the model will read. */
export interface CheckpointedToolResult {
  resultBlock: ToolResultBlock;
  extraBlocks: ContentBlock[];
}

/**
 * Where a run stood after its last completed step — enough for another instance to go on
 * from there. Plain JSON (it crosses process boundaries).
 */
export interface RunCheckpoint {
  /** The history so far: the request's messages plus every completed assistant/tool turn. */
  messages: Message[];
  /** Completed model turns (counts toward the turn limit). */
  turns: number;
  /** Tokens of the completed turns (reported in the final `stream_complete`). */
  tokens: TurnUsage;
  /** Cost so far in US dollars, sub-agents included (what the run's budget has used up). */
  costUsd?: number;
  /**
   * Set while the tool calls of the last assistant message (the last entry of `messages`) are
   * running: every call of that turn, and the results of those that finished.
   */
  toolsInFlight?: {
    calls: ToolUseBlock[];
    finished: Record<string, CheckpointedToolResult>;
    stopReason: StopReason;
  };
}

/** Receives each checkpoint of a run; a failure is the receiver's to report, never the run's. */
export type CheckpointSink = (checkpoint: RunCheckpoint) => Promise<void>;

/** What a run's lease records about the run, for whichever instance continues it. */
export interface RunRecord {
  runId: string;
  sessionId: string;
  /** The chat request as received (validated again by the instance that takes it over). */
  request: Record<string, unknown>;
}

/** What a lease renewal found. */
export type LeaseRenewal = 'renewed' | 'lost' | 'missing';

/** A run whose lease expired and that this instance now holds. */
export interface ClaimedRun {
  record: RunRecord;
  /** The last checkpoint written, if any (none: start again from the request). */
  checkpoint: RunCheckpoint | undefined;
  /** The new lease epoch: 2 on the first takeover, and so on. */
  epoch: number;
}

/**
 * Leases on running runs, shared by every instance. The instance running a run renews its
 * lease; when one lapses, any instance may claim the run, which bumps its epoch. The epoch
 * fences writes: a checkpoint (and an event-log append) made under an older epoch is refused,
 * so a paused instance that wakes up after a takeover cannot interleave with the new owner.
 */
export interface RunLeaseStore {
  /** Records a new run held by `owner` for `leaseMs`; its epoch is 1. */
  begin(record: RunRecord, owner: string, leaseMs: number): Promise<void>;
  /**
   * Extends the lease: `renewed`; `lost` when another instance holds the run now; `missing`
   * when the store no longer knows the run (Redis restarted empty) — then `restore` it.
   */
  renew(runId: string, owner: string, epoch: number, leaseMs: number): Promise<LeaseRenewal>;
  /** Re-creates a lease the store lost, at `epoch`; false when the run is known again meanwhile. */
  restore(record: RunRecord, owner: string, epoch: number, leaseMs: number): Promise<boolean>;
  /**
   * Stores the run's latest checkpoint; false only when another instance holds the run now (a
   * run the store lost is not an error: its next renewal restores it).
   */
  saveCheckpoint(runId: string, epoch: number, checkpoint: RunCheckpoint): Promise<boolean>;
  /**
   * Lets the lease lapse now, so that the next scan of any instance takes the run over (a
   * graceful hand-over at shutdown); a no-op when `epoch` is no longer current.
   */
  relinquish(runId: string, epoch: number): Promise<void>;
  /**
   * Marks the run ended; a no-op when `epoch` is no longer current. The record stays for a
   * while as a tombstone, so that an old owner waking up later is told `lost`, not `missing`.
   */
  end(runId: string, epoch: number): Promise<void>;
  /** Whether the run is still held at `epoch` and not ended: a guard before unfenced cleanup. */
  holds(runId: string, epoch: number): Promise<boolean>;
  /** Atomically claims up to `limit` runs whose lease lapsed, for `owner`, for `leaseMs`. */
  claimExpired(owner: string, leaseMs: number, limit: number): Promise<ClaimedRun[]>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}
