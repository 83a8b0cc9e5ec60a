/**
 * `ai-agent-gateway/stores`: the contracts of the gateway's shared state, for stores of your
 * own, with the in-process implementations (the default) and the HTTP limits built on them.
 */
export { createMemoryStores } from './stores/memory/create-memory-stores.js';
export { createMemoryRateLimiter } from './stores/memory/memory-rate-limiter.js';
export type { MemoryRateLimiterOptions } from './stores/memory/memory-rate-limiter.js';
import type { PendingAnswerKey, PendingAnswerRecord, PendingAnswerStore } from './core/stores.js';
export type {
  GatewayStores,
  MessageBus,
  PendingAnswerKey,
  PendingAnswerRecord,
  PendingAnswerStore,
  RateLimitDecision,
  RateLimiter,
  RateLimiterSpec,
  RunDirectory,
  RunEventLogStore,
  RunLocation,
  SessionRecord,
  SessionStore,
} from './core/stores.js';
export type {
  FinishRunInput,
  FreeSessionInput,
  OpenRunInput,
  RunBookkeeping,
} from './core/run-bookkeeping.js';
export { RateLimitedError } from './core/rate-limited-error.js';
export { hashApiKey } from './stores/hash-api-key.js';
export { generateJwtSecret } from './stores/generate-jwt-secret.js';
export { createMemoryThreadStore } from './database/memory/memory-thread-store.js';
export type { MemoryThreadStoreOptions } from './database/memory/memory-thread-store.js';
export { createMemoryDatabase } from './database/memory/memory-database.js';
export { DEFAULT_EMBEDDED_DIR, openSqlDatabase, openThreadStore } from './database/sql/open-thread-store.js';
export type { DatabaseOption, OpenThreadStoreOptions } from './database/sql/open-thread-store.js';
export type { SqlThreadStore } from './database/sql/sql-thread-store.js';
export type { SqlDatabase } from './database/sql/sql-database.js';
export { databaseStoresOf } from './agent-spec/database-stores-of.js';
export type { DatabaseStores } from './core/database-stores.js';
export type { CarriedStores } from './database/carried-stores.js';
export type { SessionRevocationStore } from './core/session-revocation-store.js';
export { THREAD_ID_PATTERN, THREAD_LIMITS } from './core/thread-limits.js';
export type {
  ApprovalRecordRow,
  JsonObject,
  JsonValue,
  Page,
  RunRecordRow,
  RunStartRecord,
  RunStatus,
  RunThreadGuard,
  StoredMessage,
  ThreadOwner,
  ThreadRecord,
  ThreadStore,
  ThreadTurnRead,
} from './core/thread-store.js';

/** @deprecated Renamed `PendingAnswerKey`: a pending answer is what a run waits for from its client. */
export type PendingToolKey = PendingAnswerKey; // noun-codemod: keep
/** @deprecated Renamed `PendingAnswerRecord`. */
export type PendingToolRecord = PendingAnswerRecord; // noun-codemod: keep
/** @deprecated Renamed `PendingAnswerStore`. */
export type PendingToolStore = PendingAnswerStore; // noun-codemod: keep
