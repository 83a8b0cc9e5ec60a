import type { GatewayEvent } from '../../../core/events.js';
import type { OutputStream } from '../backends/run-process-group.js';
import { splitUtf8 } from './utf8-bytes.js';

/** Emits `tool_output_chunk` events for one call. */
export interface ChunkEmitter {
  /** Emits a line (or part of one) of `stream`, unless the event budget is spent. */
  emit(stream: OutputStream, text: string): void;
}

/** Limits of one call's streamed output. */
export const MAX_CHUNK_EVENTS = 500;
export const MAX_CHUNK_BYTES = 4096;

/**
 * Streams output lines as `tool_output_chunk` events: `seq` counts from 1 across stdout and
 * stderr of one call, each event carries at most 4 KiB, and at most 500 events are sent per
 * call. Streaming is a live preview; the complete (capped) output is in the result, so
 * stopping the preview after 500 events loses nothing the model reads.
 */
export function createChunkEmitter(options: {
  toolCallId: string;
  toolName: string;
  emit: (event: GatewayEvent) => void;
  maxEvents?: number;
  maxBytes?: number;
}): ChunkEmitter {
  const maxEvents = options.maxEvents ?? MAX_CHUNK_EVENTS;
  const maxBytes = options.maxBytes ?? MAX_CHUNK_BYTES;
  let seq = 0;
  return {
    emit(stream, text) {
      for (const piece of splitUtf8(text, maxBytes)) {
        if (seq >= maxEvents) return;
        seq += 1;
        options.emit({
          type: 'tool_output_chunk',
          tool_call_id: options.toolCallId,
          tool_name: options.toolName,
          stream,
          text: piece,
          seq,
        });
      }
    },
  };
}
