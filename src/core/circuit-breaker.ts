/**
 * Circuit breakers per provider and model: the contract the agent loop checks before it calls a
 * model and the server reads for health and metrics. No I/O here; the implementation is
 * `createCircuitBreaker` (src/agent), shared across instances through the message bus.
 */

/** The state of one provider's model: `open` while it is skipped, `closed` otherwise. */
export type CircuitState = 'closed' | 'open';

/** One model's circuit as health and metrics show it. */
export interface CircuitSnapshot {
  provider: string;
  model: string;
  state: CircuitState;
  /**
   * Closed: failures counted in the current window. Open: the failures in a row that opened it
   * (for a circuit another instance opened, the threshold); the count starts again once it closes.
   */
  failures: number;
  /** Milliseconds left of the cool-down while open. */
  retryInMs?: number;
}

/** A circuit that opened, as the message bus carries it between instances. */
export interface CircuitOpenedMessage {
  provider: string;
  model: string;
  /** Milliseconds of cool-down left when it was published (clocks of instances may differ). */
  remainingMs: number;
  /** The publishing instance, so that it ignores its own message. */
  origin: string;
}

/**
 * Counts model failures and says which models to skip. Every method is synchronous and cheap:
 * `isOpen` sits on the hot path of every model turn that has a fallback after it.
 */
export interface CircuitBreaker {
  /** Whether the model is skipped now (its cool-down has not ended). */
  isOpen(provider: string, model: string): boolean;
  /** Counts a failed call; the circuit opens once the threshold is reached within the window. */
  recordFailure(provider: string, model: string): void;
  /** A call succeeded: the failure count starts again from zero. */
  recordSuccess(provider: string, model: string): void;
  /** Opens a circuit that another instance opened, for the time it has left. */
  openFromElsewhere(message: CircuitOpenedMessage): void;
  /** Every circuit known, closed ones with failures included, for `/health` and metrics. */
  snapshot(): CircuitSnapshot[];
  /** Called with each circuit this instance opens (to publish it); returns the unsubscriber. */
  onOpen(listener: (message: CircuitOpenedMessage) => void): () => void;
}
