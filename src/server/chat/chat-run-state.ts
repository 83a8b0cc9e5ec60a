import { GatewayError } from '../../core/errors.js';

/**
 * Where a chat run stands. Every change of state happens in `ChatRunLifecycle` (chat-run.ts), by
 * the table below:
 *
 * - `starting`: accepted (or its lease claimed from a dead instance); runtime, sharing and
 *   runner are being set up. Not yet visible to clients.
 * - `running`: its runner runs here.
 * - `handingOver`: this instance is shutting down and gives the run to another one: local
 *   streams end without a terminal event, the shared log is flushed, the lease let go.
 * - `lost`: another instance holds the run now (its lease lapsed or was taken): the run stops
 *   here without writing or releasing anything shared.
 * - `ended`: its runner returned and its resources were released (or it never started).
 */
export type ChatRunState = 'starting' | 'running' | 'handingOver' | 'lost' | 'ended';

/** The named events that move a chat run between states. */
export type ChatRunTransition = 'launch' | 'lose' | 'handOver' | 'finish' | 'giveUp';

/** A transition that does not change the state, and why it is harmless. */
interface Ignored {
  ignored: string;
}

const ignore = (reason: string): Ignored => ({ ignored: reason });

/**
 * Every legal transition: the next state, or why the event is ignored in that state. An event
 * missing here is a bug in the caller, and throws.
 */
const TRANSITIONS: Readonly<
  Record<ChatRunState, Readonly<Partial<Record<ChatRunTransition, ChatRunState | Ignored>>>>
> = {
  starting: {
    launch: 'running',
    lose: 'lost',
    handOver: ignore('it has not started: only running runs are handed over'),
    giveUp: 'ended',
  },
  running: {
    lose: 'lost',
    handOver: 'handingOver',
    finish: 'ended',
    giveUp: ignore('it was launched: it ends when its runner returns'),
  },
  handingOver: {
    lose: ignore('it is already leaving this instance'),
    handOver: ignore('it is already being handed over'),
    finish: 'ended',
    giveUp: ignore('it was launched: it ends when its runner returns'),
  },
  lost: {
    // The runner still runs once, with its signal aborted, so it releases what it holds.
    launch: ignore('it was lost while starting: its runner only winds down'),
    lose: ignore('it is already lost'),
    handOver: ignore('it already goes on elsewhere'),
    finish: 'ended',
    giveUp: 'ended',
  },
  ended: {
    lose: ignore('it already ended'),
    handOver: ignore('it already ended'),
    giveUp: ignore('it already ended'),
  },
};

/**
 * The state a chat run in `state` moves to on `transition`, or why it stays. `launched` tells
 * whether its runner was started (a run lost after its launch ends when its runner returns, not
 * when given up). Throws on a transition that cannot happen.
 */
export function nextChatRunState(
  state: ChatRunState,
  transition: ChatRunTransition,
  launched: boolean,
): ChatRunState | Ignored {
  if (state === 'lost' && transition === 'giveUp' && launched) {
    return ignore('it was launched: it ends when its runner returns');
  }
  if (state === 'lost' && transition === 'finish' && !launched) {
    throw new GatewayError(
      'internal_error',
      'a chat run that never launched cannot finish: give it up instead',
    );
  }
  const next = TRANSITIONS[state][transition];
  if (next === undefined)
    throw new GatewayError('internal_error', `a chat run cannot ${transition} while ${state}`);
  return next;
}
