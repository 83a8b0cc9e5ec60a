import { z } from 'zod';
import type { GatewayStores } from '../../core/stores.js';
import { redisSentinelSchema } from '../../stores/redis/redis-stores-options.js';
import { positiveNumber } from '../../agent-spec/parse-spec.js';

const isStores = (value: unknown): value is GatewayStores =>
  typeof value === 'object' &&
  value !== null &&
  'sessions' in value &&
  'pendingAnswers' in value &&
  'bus' in value &&
  typeof (value as { close?: unknown }).close === 'function';

/** The former name of `GatewayStores.pendingAnswers`, for the hint to stores of your own. */
const FORMER_FIELD = 'pendingTools'; // noun-codemod: keep

/** Stores of your own that still name their store of pending answers by its former name. */
const namesOldPendingAnswerStore = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && FORMER_FIELD in value && !('pendingAnswers' in value);

/** Where shared state lives: this process, one Redis, or stores of your own. */
export const storeSchema = z.union(
  [
    z.literal('memory'),
    z.strictObject({
      /** `redis://[:password@]host:port[/db]` or `rediss://` (TLS). */
      redis: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
      /** Prefix of every key and channel (`createRedisStores`' `keyPrefix`). */
      keyPrefix: z.string().min(1).optional(),
      /** How long start-up waits for Redis before failing, in ms (`createRedisStores`' `connectTimeoutMs`). */
      connectTimeoutMs: positiveNumber().optional(),
      /** `redis` is a node of a Redis Cluster (docs/scaling.md, "Redis topologies"). */
      cluster: z.boolean().optional(),
      /** More cluster nodes to start from (`redis://` URLs). */
      clusterNodes: z
        .array(z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'))
        .optional(),
      /** The master is found through Sentinel; `redis` then gives credentials, db and TLS only. */
      sentinel: redisSentinelSchema.optional(),
    }),
    z.custom<GatewayStores>(isStores),
  ],
  {
    error: (issue) =>
      namesOldPendingAnswerStore(issue.input)
        ? `a GatewayStores object's store of pending answers is 'pendingAnswers' (formerly '${FORMER_FIELD}')`
        : "must be 'memory', { redis: 'redis://...' } or a GatewayStores object",
  },
);

/** `store`: `'memory'`, `{ redis: url }` or a `GatewayStores` object (kept open by its owner). */
export type StoreSpec = z.input<typeof storeSchema>;
