import type { GatewayEvent } from '../../core/events.js';

/** The native event of one `type`. */
export type EventOfType<K extends GatewayEvent['type']> = Extract<GatewayEvent, { type: K }>;

/**
 * One handler per kind of native event, each given the state of the response it writes (an
 * encoder's): a table a protocol's encoder dispatches on instead of one long `switch`. Every
 * kind must have its handler, so a new kind of event fails to compile until each protocol says
 * what it does with it.
 */
export type EventHandlers<S> = {
  readonly [K in GatewayEvent['type']]: (state: S, event: EventOfType<K>) => void;
};

/** Hands `event` to its kind's handler in `handlers`. */
export function dispatchEvent<S>(handlers: EventHandlers<S>, state: S, event: GatewayEvent): void {
  // The table pairs each kind with the handler of that kind; TypeScript cannot follow the pairing
  // through an index by a union, hence the widening.
  const handler = handlers[event.type] as (state: S, event: GatewayEvent) => void;
  handler(state, event);
}
