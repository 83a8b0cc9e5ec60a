/**
 * `ai-agent-gateway/redis`: the shared stores on one Redis, for several gateway instances behind
 * one load balancer. Only this entry point loads `ioredis`.
 */
export { createRedisStores } from './stores/redis/create-redis-stores.js';
export type { RedisStores, RedisStoresOptions } from './stores/redis/create-redis-stores.js';
