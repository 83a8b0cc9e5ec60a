/** The token a heartbeat run answers with when there is nothing to report. */
export const HEARTBEAT_OK = 'HEARTBEAT_OK';

/** The token alone on the first line (surrounding whitespace allowed). */
const LEADING_TOKEN = /^\s*HEARTBEAT_OK\s*(?:\n|$)/;
/** The token alone on the last line. */
const TRAILING_TOKEN = /(?:\n|^)\s*HEARTBEAT_OK\s*$/;

/** What `stripHeartbeatOk` returns. */
export interface StrippedHeartbeatResponse {
  /** The response without the token lines. */
  text: string;
  /** Whether a token line was removed. */
  hadToken: boolean;
}

/**
 * Removes `HEARTBEAT_OK` when it is the whole first line, then when it is the whole last line.
 * A token inside a sentence or in a middle line is left alone and does not count: only a model
 * that deliberately answered with the token is considered quiet.
 *
 * `"  HEARTBEAT_OK \nAction needed"` → `{ text: "Action needed", hadToken: true }`;
 * `"Action\nHEARTBEAT_OK\nMore"` → unchanged, `hadToken: false`.
 */
export function stripHeartbeatOk(response: string): StrippedHeartbeatResponse {
  let text = typeof response === 'string' ? response : '';
  let hadToken = false;
  const leading = LEADING_TOKEN.exec(text);
  if (leading !== null) {
    text = text.slice(leading[0].length);
    hadToken = true;
  }
  const trailing = TRAILING_TOKEN.exec(text);
  if (trailing !== null) {
    text = text.slice(0, trailing.index);
    hadToken = true;
  }
  return { text, hadToken };
}
