import type { CircuitBreaker, CircuitOpenedMessage } from '../core/circuit-breaker.js';
import { BusChannel, type MessageBus } from '../core/stores.js';

/** Whether a bus payload is a `CircuitOpenedMessage` (another instance's; checked, not trusted). */
function isCircuitOpened(payload: unknown): payload is CircuitOpenedMessage {
  if (typeof payload !== 'object' || payload === null) return false;
  const message = payload as Record<string, unknown>;
  return (
    typeof message.provider === 'string' &&
    typeof message.model === 'string' &&
    typeof message.origin === 'string' &&
    typeof message.remainingMs === 'number' &&
    Number.isFinite(message.remainingMs)
  );
}

/**
 * Shares the circuits that open between the instances of one deployment through the message
 * bus: each circuit this instance opens is published, and each one another instance opened is
 * opened here for the cool-down it has left. The hot path (`isOpen`) stays a local lookup; the
 * bus only carries transitions. Resolves, once subscribed, with the function that stops sharing
 * (idempotent). A failed publish is reported and costs nothing but the other instances' view.
 */
export async function shareCircuitBreaker(
  breaker: CircuitBreaker,
  bus: MessageBus,
  report: (error: unknown, where: string) => void,
): Promise<() => Promise<void>> {
  const unsubscribe = await bus.subscribe(BusChannel.circuitOpened(), (payload) => {
    if (isCircuitOpened(payload)) breaker.openFromElsewhere(payload);
  });
  const stopPublishing = breaker.onOpen((message) => {
    bus
      .publish(BusChannel.circuitOpened(), message)
      .catch((error: unknown) => report(error, 'circuit share'));
  });
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= (async () => {
      stopPublishing();
      await unsubscribe();
    })();
    return stopped;
  };
}
