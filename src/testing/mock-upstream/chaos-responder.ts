import { GatewayError } from '../../core/errors.js';
import type { ScriptedResponse } from '../scripted-turn.js';
import type { MockResponder, RecordedUpstreamRequest } from './mock-upstream.js';
import type { MockTurn } from './mock-turn.js';

/** A failure the chaos responder can inject into an upstream answer. */
export type ChaosFault = 'rate_limited' | 'server_error' | 'overloaded' | 'malformed_json' | 'disconnect';

/** Every fault, in the order their probabilities are laid out on [0, 1). */
export const CHAOS_FAULTS: readonly ChaosFault[] = [
  'rate_limited',
  'server_error',
  'overloaded',
  'malformed_json',
  'disconnect',
];

/** Options of `createChaosResponder`. */
export interface ChaosResponderOptions {
  /** The healthy answer to a request (faults are layered on top of it). */
  turn: (request: RecordedUpstreamRequest) => ScriptedResponse;
  /** Probability of each fault per request, e.g. `{ rate_limited: 0.02 }`; the sum must be <= 1. */
  rates: Partial<Record<ChaosFault, number>>;
  /** Seed of the pseudo-random sequence, so that a failing run can be replayed (default 1). */
  seed?: number;
  /** `retry-after` of injected 429s and 529s, in seconds (default 1; fractions allowed). */
  retryAfterSeconds?: number;
  /** Events sent before a malformed frame or a cut connection (default 4: mid-text). */
  faultAfterEvents?: number;
}

/** A responder that also tells which fault, if any, it injected into each answer. */
export interface ChaosResponder {
  /** Pass as `createMockUpstream({ respond })`. */
  readonly respond: MockResponder;
  /** The fault injected into an answer produced by `respond`, or undefined for a healthy one. */
  faultOf(turn: MockTurn | undefined): ChaosFault | undefined;
  /** How many of each fault were injected so far. */
  counts(): Record<ChaosFault | 'healthy', number>;
}

/** mulberry32: a tiny, fast, seedable generator; quality is ample for picking faults. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Creates a mock-upstream responder that answers most requests with the healthy turn and a
 * few with a fault: 429 with `retry-after`, 500, 529 with `retry-after`, a malformed JSON frame,
 * or a connection cut mid-stream. Faults are drawn from a seeded sequence, so a run is
 * reproducible for the same order of requests.
 *
 * @throws GatewayError `invalid_option` when a rate is not in [0, 1] or the rates sum above 1.
 */
export function createChaosResponder(options: ChaosResponderOptions): ChaosResponder {
  let total = 0;
  for (const fault of CHAOS_FAULTS) {
    const rate = options.rates[fault] ?? 0;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
      throw new GatewayError('invalid_option', `createChaosResponder: rates.${fault} must be in [0, 1]`);
    }
    total += rate;
  }
  if (total > 1) throw new GatewayError('invalid_option', 'createChaosResponder: the rates sum above 1');
  const random = createRandom(options.seed ?? 1);
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const faultAfterEvents = options.faultAfterEvents ?? 4;
  const faults = new WeakMap<object, ChaosFault>();
  const counts: Record<ChaosFault | 'healthy', number> = {
    healthy: 0,
    rate_limited: 0,
    server_error: 0,
    overloaded: 0,
    malformed_json: 0,
    disconnect: 0,
  };

  const pickFault = (): ChaosFault | undefined => {
    let draw = random();
    for (const fault of CHAOS_FAULTS) {
      draw -= options.rates[fault] ?? 0;
      if (draw < 0) return fault;
    }
    return undefined;
  };

  const inject = (fault: ChaosFault, request: RecordedUpstreamRequest): MockTurn => {
    switch (fault) {
      case 'rate_limited':
        return { kind: 'http_error', status: 429, retryAfterSeconds, message: 'chaos: rate limited' };
      case 'server_error':
        return { kind: 'http_error', status: 500, message: 'chaos: internal server error' };
      case 'overloaded':
        return { kind: 'http_error', status: 529, retryAfterSeconds, message: 'chaos: overloaded' };
      case 'malformed_json':
        return { ...options.turn(request), malformedFrameAfterEvents: faultAfterEvents };
      case 'disconnect':
        return { ...options.turn(request), cutAfterEvents: faultAfterEvents };
    }
  };

  return {
    respond(request) {
      const fault = pickFault();
      if (fault === undefined) {
        counts.healthy += 1;
        return options.turn(request);
      }
      counts[fault] += 1;
      const turn = inject(fault, request);
      faults.set(turn, fault);
      return turn;
    },
    faultOf(turn) {
      return turn === undefined ? undefined : faults.get(turn);
    },
    counts() {
      return { ...counts };
    },
  };
}
