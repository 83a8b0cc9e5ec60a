import { randomFillSync } from 'node:crypto';
import { RUN_ID_TIME_DIGITS } from '../core/run-ids.js';

/** Random bytes of a run id: 96 bits, 24 hex digits. */
const RUN_ID_RANDOM_BYTES = 12;
/**
 * Random bytes for the next run ids, filled from the system's generator 512 ids at a time: one
 * id is then one native call that reads its twelve bytes as hex (`randomBytes` per run, and later
 * `randomUUID` cut in two, showed in the CPU profile).
 */
const pool = Buffer.alloc(RUN_ID_RANDOM_BYTES * 512);
let offset = pool.length;

/**
 * A new run id (`src/core/run-ids.ts`): the draw time, `now` in milliseconds since the epoch, as
 * 12 hex digits, then 96 bits from the system's cryptographic generator as 24. The time first:
 * an id can only equal one drawn in the same millisecond, a run still live (hence reserved) or
 * only just ended; and ids sort by their draw, so a database index takes them at its end.
 */
export function newRunId(now: number = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const random = pool.toString('hex', offset, offset + RUN_ID_RANDOM_BYTES);
  offset += RUN_ID_RANDOM_BYTES;
  return Math.trunc(now).toString(16).padStart(RUN_ID_TIME_DIGITS, '0') + random;
}
