import type { Cluster, Redis } from 'ioredis';

/**
 * What the Redis stores run on: one server (`Redis`, also behind Sentinel) or a Redis Cluster
 * (`Cluster`). Every command a store sends names its keys, and every script's keys share one
 * hash slot, so the same code serves both.
 */
export type RedisClient = Redis | Cluster;
