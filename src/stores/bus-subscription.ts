import type { BusHandler } from '../core/stores.js';

/** One handler on one channel; `active` turns false when it unsubscribes or the bus closes. */
export interface BusSubscription {
  handler: BusHandler;
  active: boolean;
}

/** The default `onHandlerError` of both buses: stderr, so that a throwing handler is not lost. */
export function reportBusHandlerError(error: unknown, channel: string): void {
  console.error(`[ai-agent-gateway] message bus handler for "${channel}" threw`, error);
}
