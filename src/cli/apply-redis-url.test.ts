import { describe, expect, it } from 'vitest';
import { createAgent } from '../server/assembly/create-agent.js';
import { applyRedisUrl, isClusterFlag } from './apply-redis-url.js';

const notices: string[] = [];
const notice = (line: string): void => void notices.push(line);

describe('REDIS_URL and REDIS_CLUSTER for agent-gateway serve', () => {
  it('gives an agent without a store the Redis store, a Cluster when asked', async () => {
    const single = await applyRedisUrl(createAgent({ systemPrompt: 'x' }), 'redis://10.0.0.1:6379', notice);
    expect(single.agentDefinition?.spec.server?.store).toEqual({ redis: 'redis://10.0.0.1:6379' });
    const cluster = await applyRedisUrl(
      createAgent({ systemPrompt: 'x' }),
      'redis://10.0.0.1:7000',
      notice,
      true,
    );
    expect(cluster.agentDefinition?.spec.server?.store).toEqual({
      redis: 'redis://10.0.0.1:7000',
      cluster: true,
    });
    await Promise.all([single.close(), cluster.close()]);
  });

  it('keeps a store the agent chose, and says so', async () => {
    notices.length = 0;
    const app = createAgent({ systemPrompt: 'x', server: { store: 'memory' } });
    expect(await applyRedisUrl(app, 'redis://10.0.0.1:6379', notice, true)).toBe(app);
    expect(notices).toEqual(['REDIS_URL is ignored: the agent sets server.store itself']);
    await app.close();
  });

  it('says nothing when the agent builds its store from REDIS_URL itself', async () => {
    notices.length = 0;
    const app = createAgent({ systemPrompt: 'x', server: { store: { redis: 'redis://10.0.0.1:6379' } } });
    expect(await applyRedisUrl(app, 'redis://10.0.0.1:6379', notice)).toBe(app);
    expect(notices).toEqual([]);
    await app.close();
  });

  it('reads 1, true and yes as a Cluster, anything else as one server', () => {
    expect(['1', 'true', ' YES '].map(isClusterFlag)).toEqual([true, true, true]);
    expect([undefined, '', '0', 'false', 'cluster'].map(isClusterFlag)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
