/**
 * `ai-agent-gateway/stores`: the contracts of the gateway's shared state, for stores of your
 * own, with the in-process implementations (the default) and the HTTP limits built on them.
 */
export { createMemoryStores } from './stores/memory/create-memory-stores.js';
export { createMemoryRateLimiter } from './stores/memory/memory-rate-limiter.js';
export type { MemoryRateLimiterOptions } from './stores/memory/memory-rate-limiter.js';
export type {
  GatewayStores,
  MessageBus,
  PendingToolKey,
  PendingToolRecord,
  PendingToolStore,
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
