import { z } from 'zod';
import { callable, parseOptions } from '../../core/parse-options.js';
import type { GatewayStores } from '../../core/stores.js';
import { createMemoryMessageBus, type MemoryMessageBusOptions } from './memory-message-bus.js';
import { createMemoryPendingAnswerStore } from './memory-pending-answer-store.js';
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
  const pendingAnswers = createMemoryPendingAnswerStore();
  const bus = createMemoryMessageBus(
    options.onBusHandlerError === undefined ? {} : { onHandlerError: options.onBusHandlerError },
  );
  let closing: Promise<void> | undefined;

  return {
    sessions,
    pendingAnswers,
    bus,
    close() {
      closing ??= Promise.all([bus.close(), pendingAnswers.close(), sessions.close()]).then(() => undefined);
      return closing;
    },
  };
}
