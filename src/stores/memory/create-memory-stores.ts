import { z } from 'zod';
import { callable, parseOptions } from '../../core/parse-options.js';
import type { GatewayStores } from '../../core/stores.js';
import { createMemoryMessageBus, type MemoryMessageBusOptions } from './memory-message-bus.js';
import { createMemoryPendingToolStore } from './memory-pending-tool-store.js';
import { createMemorySessionStore } from './memory-session-store.js';

const memoryStoresOptionsSchema = z.strictObject({
  /** See `MemoryMessageBusOptions.onHandlerError`. */
  onBusHandlerError: callable<NonNullable<MemoryMessageBusOptions['onHandlerError']>>().optional(),
});

/** Options of `createMemoryStores`. */
export type MemoryStoresOptions = z.input<typeof memoryStoresOptionsSchema>;

/**
 * Creates the in-process store bundle: the embedded default for a single gateway instance.
 * State lives in this process only; use a shared implementation to run several instances.
 */
export function createMemoryStores(given: MemoryStoresOptions = {}): GatewayStores {
  const options = parseOptions(memoryStoresOptionsSchema, given, 'createMemoryStores');
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
