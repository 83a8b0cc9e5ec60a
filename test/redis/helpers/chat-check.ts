import { expect } from 'vitest';
import { eventsOf } from '../../helpers/sse-reader.js';
import { replayRun, type ResilientChatRecord } from './resilient-chat.js';

/** Lost and duplicated events of one chat, against its run's shared log. */
export interface ChatCheck {
  lost: number;
  duplicated: number;
  outOfOrder: boolean;
  completed: boolean;
  events: number;
}

/**
 * Checks what one chat's client received against its run's log, replayed from the start through
 * `baseUrl`: each event it saw is the log's event with that id, and its terminal event is the
 * log's last. Returns what it lost, saw twice or out of order, and whether the run completed.
 */
export async function checkChat(baseUrl: string, record: ResilientChatRecord): Promise<ChatCheck> {
  const log = await replayRun(baseUrl, record);
  const ids = record.received.map((frame) => frame.id);
  const distinct = new Set(ids);
  const expectedIds = log.map((frame) => frame.id);
  const byId = new Map(log.map((frame) => [frame.id, frame.event]));
  for (const frame of record.received) expect(frame.event).toEqual(byId.get(frame.id));
  expect(eventsOf(log).at(-1)).toEqual(record.terminal);
  return {
    lost: expectedIds.filter((id) => !distinct.has(id)).length,
    duplicated: ids.length - distinct.size,
    outOfOrder: ids.some((id, index) => index > 0 && (id ?? 0) <= (ids[index - 1] ?? 0)),
    completed: record.terminal?.type === 'stream_complete',
    events: log.length,
  };
}
