import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-client.js';

const isPipelineStream = (stream: unknown): stream is object =>
  typeof stream === 'object' && stream !== null && Reflect.get(stream, 'isPipeline') === true;

/**
 * Counts the round trips a client (and every client duplicated from it: the subscriber, the
 * blocking readers) makes to Redis: one per command, one per pipeline or transaction however
 * many commands it carries. On a Cluster, the commands the cluster client sends are counted
 * (one per command; a pipeline split over several nodes counts once). Returns the reader of
 * the running total, for the `agent_gateway_redis_round_trips_total` metric.
 */
export function countRoundTrips(client: RedisClient): () => number {
  let count = 0;
  const pipelines = new WeakSet<object>();
  const countOne = (stream: unknown): void => {
    if (!isPipelineStream(stream)) count += 1;
    else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      count += 1;
    }
  };
  const instrumentServer = (redis: Redis): void => {
    const send: Redis['sendCommand'] = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      countOne(stream);
      return send(command, stream);
    };
    const duplicate: Redis['duplicate'] = redis.duplicate.bind(redis);
    redis.duplicate = (override) => {
      const copy = duplicate(override);
      instrumentServer(copy);
      return copy;
    };
  };
  const instrumentCluster = (cluster: Cluster): void => {
    const send: Cluster['sendCommand'] = cluster.sendCommand.bind(cluster);
    cluster.sendCommand = (command, stream, node: unknown) => {
      countOne(stream);
      return send(command, stream, node);
    };
    const duplicate: Cluster['duplicate'] = cluster.duplicate.bind(cluster);
    cluster.duplicate = (nodes, options) => {
      const copy = duplicate(nodes, options);
      instrumentCluster(copy);
      return copy;
    };
  };
  if (client instanceof Cluster) instrumentCluster(client);
  else instrumentServer(client);
  return () => count;
}
