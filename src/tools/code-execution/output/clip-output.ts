import { takeUtf8Prefix, utf8Length } from './utf8-bytes.js';

/** Share of the budget stderr may take when stdout needs the rest. */
const STDERR_SHARE = 0.6;
const ELLIPSIS = '...';

/** One captured stream; `overflowed` means more was produced than `text` holds. */
export interface CapturedStream {
  text: string;
  overflowed?: boolean;
}

/** Cuts `text` to `budget` bytes, ending the clipped part with "...". */
function clip(stream: CapturedStream, budget: number): string {
  const { text } = stream;
  if (stream.overflowed !== true && utf8Length(text) <= budget) return text;
  if (budget < ELLIPSIS.length) return takeUtf8Prefix(text, budget);
  return takeUtf8Prefix(text, budget - ELLIPSIS.length) + ELLIPSIS;
}

/**
 * Fits stdout and stderr into one byte budget. stderr gets up to 60 % when both are long (a
 * traceback is worth keeping, but so is the output before it); either stream may use what the
 * other leaves. A clipped stream, or one that produced more than was captured, ends with "...".
 */
export function clipOutput(
  stdout: CapturedStream,
  stderr: CapturedStream,
  maxBytes: number,
): { stdout: string; stderr: string; clipped: boolean } {
  const size = (stream: CapturedStream): number =>
    stream.overflowed === true ? Number.POSITIVE_INFINITY : utf8Length(stream.text);
  const stdoutBytes = size(stdout);
  const stderrBytes = size(stderr);
  if (stdoutBytes + stderrBytes <= maxBytes)
    return { stdout: stdout.text, stderr: stderr.text, clipped: false };
  const stderrBudget = Math.min(
    stderrBytes,
    Math.max(Math.floor(maxBytes * STDERR_SHARE), maxBytes - stdoutBytes),
  );
  const stdoutBudget = maxBytes - stderrBudget;
  return { stdout: clip(stdout, stdoutBudget), stderr: clip(stderr, stderrBudget), clipped: true };
}
