/**
 * The session store's contract: sessions opened by `/chat/init`, their "always allow" keys and
 * the one-active-run lock. Points in time are unix seconds (possibly fractional); records handed
 * out are copies.
 */

import type { SessionPrincipal } from './principal.js';

/** One authenticated session, created by `/chat/init`. */
export interface SessionRecord {
  /** `sess_` followed by 32 lowercase hex characters. */
  sessionId: string;
  /** First 16 hex characters of the SHA-256 of the API key that opened the session. */
  apiKeyHash: string;
  /**
   * The end user a server-side key asserted at `/chat/init` (opaque); absent when the session
   * acts as the key itself. With `apiKeyHash`, the owner of the session's threads.
   */
  user?: string;
  /**
   * The signed-in caller when the session was opened by a JWT or the `authenticate` hook rather
   * than an API key; `apiKeyHash` and `user` are then derived from it, so its owner is unique
   * per issuer, tenant and subject.
   */
  principal?: SessionPrincipal;
  createdAt: number;
  /** Fixed at creation (no sliding refresh); the session is expired once now ≥ expiresAt. */
  expiresAt: number;
  /** "Always allow" keys (`tool` or `tool:qualifier`) granted during this session. */
  approvedToolTypes: string[];
  /**
   * When the session was ended early (logout, unix seconds). An ended session's record stays
   * until its expiry as its revocation: every instance sharing the store refuses its token, and
   * none restores it from the token.
   */
  endedAt?: number;
}

/** A session's run lock as a shared store records it. */
export interface RunLock {
  /** The holder given to `acquireRunLock` (an instance's lease owner). */
  readonly holder: string;
  /** The stored lock, compared by `breakRunLock` so that a lock taken since is never removed. */
  readonly value: string;
}

/** Sessions, their approved tool types and the one-active-run lock. */
export interface SessionStore {
  /** Stores a new session (replacing any record with the same id). */
  create(record: SessionRecord): Promise<void>;
  /**
   * Stores a new session like `create`, unless `maxSessions` sessions are stored already
   * (expired ones not yet taken by the sweep count: they hold memory too); false then, and
   * nothing is stored. Atomic across instances. Optional: without it sessions are not capped.
   */
  createWithin?(record: SessionRecord, maxSessions: number): Promise<boolean>;
  /** The session, or undefined when unknown or already removed. */
  get(sessionId: string): Promise<SessionRecord | undefined>;
  /** Removes the session and its run lock; true when a record was removed. */
  delete(sessionId: string): Promise<boolean>;
  /** Adds an "always allow" key; a no-op for an unknown session or a key already present. */
  addApprovedToolType(sessionId: string, key: string): Promise<void>;
  /**
   * Takes the session's run lock (one active run per session). False when the lock is already
   * held or the session is unknown. `holder` (the instance's lease owner, in a shared store)
   * is recorded with the lock, so that a lock left by an instance that died can be broken.
   */
  acquireRunLock(sessionId: string, holder?: string): Promise<boolean>;
  /**
   * Who holds the session's run lock, as recorded by `acquireRunLock`; undefined when the lock
   * is free or names no holder. Shared stores only.
   */
  runLockHolder?(sessionId: string): Promise<RunLock | undefined>;
  /**
   * Removes the run lock `lock` read, only while it is still that very lock and was taken at
   * least `minAgeMs` ago (by the store's clock); true when removed. For a lock whose holder
   * died between taking it and recording its run.
   */
  breakRunLock?(sessionId: string, lock: RunLock, minAgeMs: number): Promise<boolean>;
  /** Releases the run lock; a no-op when it is not held. */
  releaseRunLock(sessionId: string): Promise<void>;
  /** Removes every session with `expiresAt <= nowSeconds` and returns the removed records. */
  takeExpired(nowSeconds: number): Promise<SessionRecord[]>;
  /** Releases the store's resources. Idempotent. */
  close(): Promise<void>;
}
