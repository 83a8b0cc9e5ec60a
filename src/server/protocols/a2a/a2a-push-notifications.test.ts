import { TaskNotFoundError } from '@a2a-js/sdk/errors';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.js';
import type { SessionRecord } from '../../../core/stores.js';
import { entriesKeptAfterEviction } from '../../../core/evict-oldest.js';
import { A2aTaskProjection } from './a2a-task-projection.js';
import { createA2aPushNotifications, MAX_TASKS } from './a2a-push-notifications.js';

const session: SessionRecord = {
  sessionId: `sess_${'0'.repeat(32)}`,
  apiKeyHash: 'k'.repeat(64),
  createdAt: 0,
  expiresAt: Number.MAX_SAFE_INTEGER,
  approvedToolTypes: [],
};

const configOf = (taskId: string) => ({
  tenant: '',
  id: 'hook',
  taskId,
  url: 'https://hooks.example.com/a2a',
  token: '',
  authentication: undefined,
});

describe('createA2aPushNotifications', () => {
  it('keeps the configs of at most MAX_TASKS tasks, forgetting the oldest tasks first', async () => {
    const push = createA2aPushNotifications({ allowedHosts: [], timeoutMs: 1_000, logger: silentLogger });
    const register = (task: number) =>
      push.create(session, configOf(`task-${task}`), undefined, new A2aTaskProjection(`task-${task}`, 'ctx'));
    for (let task = 0; task < MAX_TASKS; task += 1) await register(task);
    expect(push.list(session, 'task-0')).toHaveLength(1);

    await register(MAX_TASKS);
    const forgotten = MAX_TASKS + 1 - entriesKeptAfterEviction(MAX_TASKS);
    expect(() => push.list(session, 'task-0')).toThrow(TaskNotFoundError);
    expect(() => push.list(session, `task-${forgotten - 1}`)).toThrow(TaskNotFoundError);
    expect(push.list(session, `task-${forgotten}`)).toHaveLength(1);
    expect(push.get(session, `task-${MAX_TASKS}`, 'hook').url).toBe('https://hooks.example.com/a2a');
    push.close();
  });
});
