import type { ScheduleRecord } from '../../src/core/schedule-store.js';
import { nextFireTime } from '../../src/server/schedules/next-fire-time.js';
import type { ThreadOwner } from '../../src/core/thread-store.js';

/**
 * An enabled schedule of `owner` saying "Tick" on a new thread each time, created at `from`,
 * whose next fire is the first of `cron` in `timezone` after `from`.
 */
export function scheduleRecordOf(
  id: string,
  cron: string,
  timezone: string,
  from: number,
  owner: ThreadOwner,
): ScheduleRecord {
  return {
    id,
    owner,
    cron,
    timezone,
    threadId: null,
    newThreadEachTime: true,
    message: 'Tick',
    metadata: {},
    enabled: true,
    endAt: null,
    nextFireAt: nextFireTime(cron, timezone, from, null),
    lastFiredAt: null,
    createdAt: from,
    updatedAt: from,
  };
}
