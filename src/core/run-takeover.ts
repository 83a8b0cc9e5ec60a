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
    /**
     * Calls that were waiting for a client's answer (approval, client-side tool) and had not
     * started: a run resumed from a suspension runs them for real, asking (or recalling) again.
     */
    awaitingAnswer?: string[];
  };
}

/**
 * Receives each checkpoint of a run; a failure is the receiver's to report, never the run's. A
 * sink that keeps the checkpoint at once (in memory) may return nothing: the run then waits for
 * no promise.
 */
export type CheckpointSink = (checkpoint: RunCheckpoint) => Promise<void> | void;

/** What a run's lease records about the run, for whichever instance continues it. */
export interface RunRecord {
  runId: string;
  sessionId: string;
  /** The chat request as received (validated again by the instance that takes it over). */
  request: Record<string, unknown>;
}

/** Options of `RunLeaseStore.beat` and `RunLeaseStore.claimOrphaned`. */
export interface OrphanScanOptions {
  /**
   * When set, an owner whose last heartbeat is older than this many milliseconds counts as
   * gone, and its runs as orphaned. Left out, only lapsed leases count.
   */
  silentOwnerMs?: number;
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
 * lease and beats its own heartbeat; when a lease lapses or its owner's heartbeat stops, any
 * instance may claim the run, which bumps its epoch. The epoch
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
  /**
   * The owner's heartbeat, much cheaper than renewing its leases: records `owner` alive now.
   * Resolves true when a scan may find runs to claim: a lease lapsed or, with `silentOwnerMs`,
   * another owner has not beaten for that long.
   */
  beat(owner: string, options?: OrphanScanOptions): Promise<boolean>;
  /**
   * Claims for `owner`, for `leaseMs`, every run whose lease lapsed and, with `silentOwnerMs`,
   * every run still held by an owner that has not beaten for that long (its lease need not
   * have lapsed: the claim bumps the epoch, which fences that owner's later writes). Each run
   * goes to exactly one claimer however many scan at once.
   */
  claimOrphaned(owner: string, leaseMs: number, options?: OrphanScanOptions): Promise<ClaimedRun[]>;
  /** The owner stops beating for good (shutdown): runs it still holds are claimable at once. */
  leave(owner: string): Promise<void>;
  /**
   * Whether `owner` has not beaten for `silentMs` (by the store's clock), left, or never beat
   * at all: an instance presumed dead.
   */
  isOwnerSilent?(owner: string, silentMs: number): Promise<boolean>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}
