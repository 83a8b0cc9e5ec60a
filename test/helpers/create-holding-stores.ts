import type { GatewayStores, PendingAnswerStore } from '../../src/core/stores.js';
import { createMemoryStores } from '../../src/stores/memory/create-memory-stores.js';

/**
 * In-memory stores whose pending-tool records can be kept alive after the stream stopped
 * waiting for them. A record normally disappears a moment after its answer (or its timeout),
 * so the window in which a late or second answer meets it is too short to hit over HTTP. A
 * shared store (Redis) makes that window real; holding the deletion makes it deterministic.
 */
export interface HoldingStores extends GatewayStores {
  /**
   * From now on, the first deletion of each pending answer waits until `releaseDeletions()`;
   * later deletions of the same call (e.g. the one answering 410) go through.
   */
  holdDeletions(): void;
  /** Lets every held deletion proceed and stops holding new ones. */
  releaseDeletions(): void;
  /** Resolves once the deletion of `toolCallId` was asked for (held or not). */
  deletionRequested(toolCallId: string): Promise<void>;
}

/** Creates `HoldingStores` over the in-memory stores. */
export function createHoldingStores(): HoldingStores {
  const inner = createMemoryStores();
  let holding = false;
  const heldOnce = new Set<string>();
  const held: Array<() => void> = [];
  const requested = new Set<string>();
  const requestWaiters = new Map<string, Array<() => void>>();

  const noteRequested = (toolCallId: string): void => {
    requested.add(toolCallId);
    for (const wake of requestWaiters.get(toolCallId) ?? []) wake();
    requestWaiters.delete(toolCallId);
  };

  const pendingAnswers: PendingAnswerStore = {
    create: (record) => inner.pendingAnswers.create(record),
    get: (key) => inner.pendingAnswers.get(key),
    findInSession: (sessionId, toolCallId) => inner.pendingAnswers.findInSession(sessionId, toolCallId),
    transition: (key, from, to) => inner.pendingAnswers.transition(key, from, to),
    deletePendingOfRun: (sessionId, runId) => inner.pendingAnswers.deletePendingOfRun(sessionId, runId),
    close: () => inner.pendingAnswers.close(),
    async delete(key) {
      const { toolCallId } = key;
      noteRequested(toolCallId);
      if (holding && !heldOnce.has(toolCallId)) {
        heldOnce.add(toolCallId);
        await new Promise<void>((resolve) => held.push(resolve));
      }
      return inner.pendingAnswers.delete(key);
    },
  };

  return {
    sessions: inner.sessions,
    bus: inner.bus,
    pendingAnswers,
    close: () => inner.close(),
    holdDeletions() {
      holding = true;
    },
    releaseDeletions() {
      holding = false;
      for (const resolve of held.splice(0)) resolve();
    },
    deletionRequested(toolCallId) {
      if (requested.has(toolCallId)) return Promise.resolve();
      return new Promise<void>((resolve) => {
        requestWaiters.set(toolCallId, [...(requestWaiters.get(toolCallId) ?? []), resolve]);
      });
    },
  };
}
