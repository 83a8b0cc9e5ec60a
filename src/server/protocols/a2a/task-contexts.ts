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

/** Creates a bounded map of task ids to context ids (the oldest pair goes first). */
export function createTaskContexts(capacity = DEFAULT_CAPACITY): TaskContexts {
  const pairs = new Map<string, string>();
  return {
    remember(taskId, contextId) {
      pairs.delete(taskId);
      pairs.set(taskId, contextId);
      if (pairs.size > capacity) {
        const oldest = pairs.keys().next();
        if (oldest.done !== true) pairs.delete(oldest.value);
      }
    },
    get: (taskId) => pairs.get(taskId),
  };
}
