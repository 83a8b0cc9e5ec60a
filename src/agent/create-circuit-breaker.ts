import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { CircuitBreaker, CircuitOpenedMessage, CircuitSnapshot } from '../core/circuit-breaker.js';
import { silentLogger, type Logger } from '../core/logger.js';
import { callable, implementing, parseOptions, positiveInteger } from '../core/parse-options.js';

/**
 * The breaker's settings, with their defaults: the agent spec's `circuitBreaker` group. Five
 * failures in a row within a minute skip the model for 30 s.
 */
export const circuitBreakerSettingsSchema = z.strictObject({
  /** Failures in a row (no success between them) that open the circuit. */
  failureThreshold: positiveInteger().default(5),
  /** The failures must fall within this many ms; older ones no longer count. */
  windowMs: positiveInteger().default(60_000),
  /** How long an open circuit skips its model, in ms; then it closes. */
  coolDownMs: positiveInteger().default(30_000),
});

/** The agent spec's `circuitBreaker` group. */
export type CircuitBreakerSettings = z.input<typeof circuitBreakerSettingsSchema>;

const optionsSchema = circuitBreakerSettingsSchema.extend({
  /** The clock, in epoch ms (tests pass a controllable one). */
  now: callable<() => number>().default(() => Date.now),
  /** Where a circuit that opens or closes is told (`circuit opened`, `circuit closed`). */
  logger: implementing<Logger>('a Logger ({ debug, info, warn, error })', ['info', 'warn']).default(
    () => silentLogger,
  ),
});

/** Options of `createCircuitBreaker`. */
export type CircuitBreakerOptions = z.input<typeof optionsSchema>;

interface Circuit {
  provider: string;
  model: string;
  /** Times of the failures in a row, oldest first. */
  failures: number[];
  /** Epoch ms until which the model is skipped; 0 when closed. */
  openUntil: number;
  /** While open: the failures that opened it (the threshold; elsewhere, another instance's). */
  openedBy: number;
}

/**
 * Makes the circuit breakers of one agent, one per provider and model. A circuit opens after
 * `failureThreshold` failures in a row within `windowMs` and closes `coolDownMs` later (no
 * half-open probe: the next call after the cool-down is the probe, and a failure counts again).
 * A circuit this instance opens is told to `onOpen` listeners, which publish it to the other
 * instances; theirs arrive through `openFromElsewhere`. Reading a closed circuit allocates
 * nothing. Each transition is logged once: `circuit opened` (warn) when this instance opens it,
 * `circuit opened elsewhere` (info) when another instance did, and `circuit closed` (info) at the
 * first check after the cool-down (a circuit closes lazily: no timer runs per circuit).
 */
export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const settings = parseOptions(optionsSchema, options, 'createCircuitBreaker');
  const { now, logger } = settings;
  const origin = randomUUID();
  // eslint-disable-next-line gateway/churn-collections -- one circuit per provider and model, not per chat
  const circuits = new Map<string, Circuit>();
  // eslint-disable-next-line gateway/churn-collections -- listeners are wired once at start
  const listeners = new Set<(message: CircuitOpenedMessage) => void>();
  const keyOf = (provider: string, model: string): string => `${provider}\u0000${model}`;
  const circuitOf = (provider: string, model: string): Circuit => {
    const key = keyOf(provider, model);
    let circuit = circuits.get(key);
    if (circuit === undefined) {
      circuit = { provider, model, failures: [], openUntil: 0, openedBy: 0 };
      circuits.set(key, circuit);
    }
    return circuit;
  };
  const isOpenAt = (circuit: Circuit, time: number): boolean => {
    if (circuit.openUntil === 0) return false;
    if (circuit.openUntil > time) return true;
    circuit.openUntil = 0;
    circuit.openedBy = 0;
    logger.info('circuit closed; the model is tried again', {
      provider: circuit.provider,
      model: circuit.model,
    });
    return false;
  };

  return {
    isOpen(provider, model) {
      if (circuits.size === 0) return false;
      const circuit = circuits.get(keyOf(provider, model));
      return circuit !== undefined && isOpenAt(circuit, now());
    },
    recordFailure(provider, model) {
      const time = now();
      const circuit = circuitOf(provider, model);
      if (isOpenAt(circuit, time)) return;
      const recent = circuit.failures.filter((failedAt) => time - failedAt < settings.windowMs);
      recent.push(time);
      circuit.failures = recent;
      if (recent.length < settings.failureThreshold) return;
      circuit.failures = [];
      circuit.openUntil = time + settings.coolDownMs;
      circuit.openedBy = recent.length;
      logger.warn('circuit opened; the model is skipped', {
        provider,
        model,
        failures: recent.length,
        windowMs: settings.windowMs,
        coolDownMs: settings.coolDownMs,
      });
      const message = { provider, model, remainingMs: settings.coolDownMs, origin };
      for (const listener of listeners) listener(message);
    },
    recordSuccess(provider, model) {
      if (circuits.size === 0) return;
      const circuit = circuits.get(keyOf(provider, model));
      if (circuit !== undefined && circuit.failures.length > 0) circuit.failures = [];
    },
    openFromElsewhere(message) {
      if (message.origin === origin || !(message.remainingMs > 0)) return;
      const circuit = circuitOf(message.provider, message.model);
      const time = now();
      const wasOpen = isOpenAt(circuit, time);
      circuit.failures = [];
      circuit.openUntil = Math.max(circuit.openUntil, time + message.remainingMs);
      if (wasOpen) return;
      circuit.openedBy = settings.failureThreshold;
      logger.info('circuit opened elsewhere; the model is skipped', {
        provider: message.provider,
        model: message.model,
        coolDownMs: message.remainingMs,
      });
    },
    snapshot() {
      const time = now();
      return [...circuits.values()].map((circuit): CircuitSnapshot => {
        const open = isOpenAt(circuit, time);
        return {
          provider: circuit.provider,
          model: circuit.model,
          state: open ? 'open' : 'closed',
          failures: open
            ? circuit.openedBy
            : circuit.failures.filter((failedAt) => time - failedAt < settings.windowMs).length,
          ...(open ? { retryInMs: circuit.openUntil - time } : {}),
        };
      });
    },
    onOpen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
