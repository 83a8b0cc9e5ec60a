import type { Redis } from 'ioredis';

type SendCommand = Redis['sendCommand'];
type Duplicate = Redis['duplicate'];

const isPipelineStream = (stream: unknown): stream is object =>
  typeof stream === 'object' && stream !== null && Reflect.get(stream, 'isPipeline') === true;

/**
 * Counts the round trips a client (and every client duplicated from it: the subscriber, the
 * blocking readers) makes to Redis: one per command, one per pipeline or transaction however
 * many commands it carries. Returns the reader of the running total, for the
 * `agent_gateway_redis_round_trips_total` metric.
 */
export function countRoundTrips(client: Redis): () => number {
  let count = 0;
  const pipelines = new WeakSet<object>();
  const instrument = (redis: Redis): void => {
    const send: SendCommand = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      if (!isPipelineStream(stream)) count += 1;
      else if (!pipelines.has(stream)) {
        pipelines.add(stream);
        count += 1;
      }
      return send(command, stream);
    };
    const duplicate: Duplicate = redis.duplicate.bind(redis);
    redis.duplicate = (override) => {
      const copy = duplicate(override);
      instrument(copy);
      return copy;
    };
  };
  instrument(client);
  return () => count;
}
