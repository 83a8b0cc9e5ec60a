import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { parseOptions } from '../core/parse-options.js';
import { GatewayError, ProviderError } from '../core/errors.js';
import type { ContentBlock } from '../core/messages.js';
import type { ModelInfo, ModelPricing, Provider, ProviderEvent, ProviderRequest } from '../core/provider.js';
import { providerErrorFromStatus } from '../providers/provider-error-from-status.js';
import { chunkText, resolveStopReason, type ScriptedResponse, type ScriptedTurn } from './scripted-turn.js';

/** Options of `createScriptedProvider`. */
export interface ScriptedProviderOptions {
  /** The turns to play, in order: one per `stream()` call. */
  turns?: ScriptedTurn[];
  /** Provider name (default 'scripted'). */
  name?: string;
  /** Overrides of the model info every model gets. */
  modelInfo?: Partial<Omit<ModelInfo, 'id' | 'provider' | 'pricing'>>;
  /** Prices per million tokens (default 3 / 15 / 0.3 / 3.75, Sonnet-like). */
  pricing?: Partial<ModelPricing>;
  /** Models `getModelInfo` accepts (default: any); others throw `unknown_model`. */
  models?: readonly string[];
  /** Whether a credential is configured (default true); false triggers the stub reply. */
  hasCredential?: boolean;
}

const scriptedProviderOptionsSchema = z.strictObject({
  turns: z
    .array(
      z.custom<ScriptedTurn>((turn) => typeof turn === 'object' && turn !== null, 'must be a scripted turn'),
    )
    .optional(),
  name: z.string().min(1).optional(),
  modelInfo: z.record(z.string(), z.unknown()).optional(),
  pricing: z.record(z.string(), z.number().min(0)).optional(),
  models: z.array(z.string()).readonly().optional(),
  hasCredential: z.boolean().optional(),
});

/** A `Provider` test double that plays a script and fails loudly when it is not followed. */
export interface ScriptedProvider extends Provider {
  /** Every request received, deep-copied at call time, in order. */
  readonly requests: readonly ProviderRequest[];
  /** The signal of every `stream()` call, in order (check `.aborted` to see cancellations). */
  readonly signals: readonly AbortSignal[];
  /** Appends turns to the script. */
  enqueue(...turns: ScriptedTurn[]): void;
  /** Throws when turns are left unused or a call arrived with no turn left. */
  assertAllConsumed(): void;
  /** Nothing to release; present so the double can stand in wherever `close()` is awaited. */
  close(): Promise<void>;
}

const defaultPricing: ModelPricing = {
  inputPerMTok: 3,
  outputPerMTok: 15,
  cacheReadPerMTok: 0.3,
  cacheWritePerMTok: 3.75,
};

const abortedError = (): GatewayError => new GatewayError('aborted', 'scripted provider: request aborted');

/** The provider events of one scripted response, in stream order. */
export function scriptedProviderEvents(turn: ScriptedResponse, idPrefix = 'toolu_scripted'): ProviderEvent[] {
  const events: ProviderEvent[] = [{ type: 'message_start' }];
  turn.blocks.forEach((block, index) => {
    let completed: ContentBlock;
    if (block.type === 'text') {
      for (const text of chunkText(block.text)) events.push({ type: 'text_delta', text });
      completed = { type: 'text', text: block.text };
    } else if (block.type === 'thinking') {
      for (const text of chunkText(block.text)) events.push({ type: 'thinking_delta', text });
      completed = { type: 'thinking', thinking: block.text, signature: block.signature ?? 'sig_scripted' };
    } else if (block.type === 'compaction') {
      completed = {
        type: 'compaction',
        content: block.summary,
        encrypted_content: block.encryptedContent ?? 'enc_scripted',
      };
    } else {
      const id = block.id ?? `${idPrefix}_${index}`;
      events.push({ type: 'tool_use_start', id, name: block.name });
      events.push({ type: 'tool_use_delta', id, partialJson: JSON.stringify(block.input) });
      completed = { type: 'tool_use', id, name: block.name, input: block.input };
    }
    events.push({ type: 'block_end', block: completed });
  });
  const usage = turn.usage ?? {};
  events.push({
    type: 'usage',
    usage: {
      inputTokens: usage.inputTokens ?? 0,
      outputTokens: usage.outputTokens ?? 0,
      cacheReadTokens: usage.cacheReadTokens ?? 0,
      cacheCreationTokens: usage.cacheCreationTokens ?? 0,
    },
  });
  events.push({ type: 'message_end', stopReason: resolveStopReason(turn) });
  return events;
}

const untilAborted = (signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });

/**
 * Creates a provider that answers each `stream()` call with the next scripted turn:
 * responses stream as `ProviderEvent`s (text chunked like a model would), `http_error` turns
 * throw the `ProviderError` a real adapter would (retryable for 408/409/429/5xx, retry-after
 * honoured), `cutAfterEvents` throws a retryable error after N events, `stallAfterEvents`
 * hangs until the signal aborts, `eventDelayMs` paces each event.
 *
 * It fails loudly: a call with no turn left throws `GatewayError('script_violation')` and is
 * remembered, so `assertAllConsumed()` reports it even if the code under test swallowed it.
 * Aborting the signal rejects the stream with `GatewayError('aborted')`.
 */
export function createScriptedProvider(given: ScriptedProviderOptions = {}): ScriptedProvider {
  parseOptions(scriptedProviderOptionsSchema, given, 'createScriptedProvider');
  const options = given;
  const name = options.name ?? 'scripted';
  const queue: ScriptedTurn[] = [...(options.turns ?? [])];
  const requests: ProviderRequest[] = [];
  const signals: AbortSignal[] = [];
  const violations: string[] = [];
  const pricing: ModelPricing = { ...defaultPricing, ...options.pricing };
  let callCount = 0;

  async function* play(turn: ScriptedTurn, call: number, signal: AbortSignal): AsyncGenerator<ProviderEvent> {
    if (signal.aborted) throw abortedError();
    if (turn.kind === 'http_error') {
      const headers = new Headers();
      if (turn.retryAfterSeconds !== undefined) headers.set('retry-after', String(turn.retryAfterSeconds));
      throw providerErrorFromStatus(
        name,
        turn.status,
        turn.message ?? `scripted HTTP ${turn.status}`,
        headers,
      );
    }
    const events = scriptedProviderEvents(turn, `toolu_scripted_${call}`);
    for (const [index, event] of events.entries()) {
      if (turn.cutAfterEvents !== undefined && index >= turn.cutAfterEvents) {
        throw new ProviderError(`${name}: connection cut after ${index} events`, { retryable: true });
      }
      if (turn.stallAfterEvents !== undefined && index >= turn.stallAfterEvents) {
        await untilAborted(signal);
        throw abortedError();
      }
      if (turn.eventDelayMs !== undefined && turn.eventDelayMs > 0) {
        try {
          await delay(turn.eventDelayMs, undefined, { signal });
        } catch {
          throw abortedError();
        }
      }
      if (signal.aborted) throw abortedError();
      yield event;
    }
  }

  return {
    name,
    requests,
    signals,
    hasCredential: () => options.hasCredential ?? true,
    getModelInfo(model) {
      if (options.models !== undefined && !options.models.includes(model)) {
        throw new GatewayError('unknown_model', `${name}: unknown model '${model}'`);
      }
      return {
        contextWindow: 200_000,
        maxOutputTokens: 64_000,
        supportsThinking: true,
        supportsVision: true,
        supportsToolUse: true,
        ...options.modelInfo,
        id: model,
        provider: name,
        pricing,
      };
    },
    stream(request, signal) {
      // Recorded at call time, deep-copied: the caller may mutate its history afterwards.
      requests.push(structuredClone(request));
      signals.push(signal);
      callCount += 1;
      const turn = queue.shift();
      if (turn === undefined) {
        const violation = `unexpected stream() call #${callCount}: no scripted turn left`;
        violations.push(violation);
        throw new GatewayError('script_violation', `scripted provider: ${violation}`);
      }
      return play(turn, callCount, signal);
    },
    enqueue(...turns) {
      queue.push(...turns);
    },
    assertAllConsumed() {
      const problems = [...violations];
      if (queue.length > 0) problems.push(`${queue.length} scripted turn(s) unused`);
      if (problems.length > 0) {
        throw new GatewayError('script_violation', `scripted provider: ${problems.join('; ')}`);
      }
    },
    close: () => Promise.resolve(),
  };
}
