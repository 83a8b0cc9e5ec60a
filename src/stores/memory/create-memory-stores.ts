import type { GatewayStores } from '../../core/stores.js';
import { createMemoryMessageBus, type MemoryMessageBusOptions } from './memory-message-bus.js';
import { createMemoryPendingToolStore } from './memory-pending-tool-store.js';
import { createMemorySessionStore } from './memory-session-store.js';

/** Options of `createMemoryStores`. */
export interface MemoryStoresOptions {
  /** See `MemoryMessageBusOptions.onHandlerError`. */
  onBusHandlerError?: MemoryMessageBusOptions['onHandlerError'];
}

/**
 * Creates the in-process store bundle: the embedded default for a single gateway instance.
 * State lives in this process only; use a shared implementation to run several instances.
 */
export function createMemoryStores(options: MemoryStoresOptions = {}): GatewayStores {
  const sessions = createMemorySessionStore();
  const pendingTools = createMemoryPendingToolStore();
  const bus = createMemoryMessageBus(
    options.onBusHandlerError === undefined ? {} : { onHandlerError: options.onBusHandlerError },
  );
  let closing: Promise<void> | undefined;

  return {
    sessions,
    pendingTools,
    bus,
    close() {
      closing ??= Promise.all([bus.close(), pendingTools.close(), sessions.close()]).then(() => undefined);
      return closing;
    },
  };
}
