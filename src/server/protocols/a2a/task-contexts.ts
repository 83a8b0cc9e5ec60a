import { evictOldest } from '../../../core/evict-oldest.js';

/** Largest number of task→context pairs one instance remembers. */
const DEFAULT_CAPACITY = 10_000;

/**
 * The `contextId` of the tasks this instance started, newest kept: without a database a
 * context is not stored, and this is what lets `GetTask` name it while the run is retained.
 */
export interface TaskContexts {
  remember(taskId: string, contextId: string): void;
  get(taskId: string): string | undefined;
}

/**
 * Creates a map of task ids to context ids holding at most `capacity` pairs: beyond it the
 * oldest pairs go first, an eighth of the capacity at a time (see `evictOldest`). A task
 * remembered again counts as new.
 */
export function createTaskContexts(capacity = DEFAULT_CAPACITY): TaskContexts {
  const pairs = new Map<string, string>();
  return {
    remember(taskId, contextId) {
      pairs.delete(taskId);
      pairs.set(taskId, contextId);
      evictOldest(pairs, capacity);
    },
    get: (taskId) => pairs.get(taskId),
  };
}
