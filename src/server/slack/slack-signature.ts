import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old a signed request may be, in seconds: Slack's own advice (five minutes). */
export const SLACK_MAX_AGE_SECONDS = 300;

/** Why a request's signature was refused (each a stable code). */
export type SlackSignatureRefusal =
  'slack_signature_missing' | 'slack_timestamp_stale' | 'slack_signature_invalid';

/** What `checkSlackSignature` reads of one request. */
export interface SignedSlackRequest {
  /** `X-Slack-Request-Timestamp`: unix seconds. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=` and the hex HMAC. */
  signature: string | undefined;
  /** The body exactly as it came: the bytes are signed, not a parse of them. */
  rawBody: Uint8Array;
}

/** The `v0` signature of `body` sent at `timestamp`: `v0=` and HMAC-SHA256 of `v0:<timestamp>:<body>`. */
export function slackSignatureOf(signingSecret: string, timestamp: string, body: Uint8Array): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`, 'utf8');
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}

/**
 * Checks that a request comes from Slack: its timestamp within five minutes of `nowMs` (either
 * way: a replayed request is refused once it is old), and its `v0` signature that of the raw body
 * under the signing secret, compared in constant time. Undefined when it holds, else why not.
 */
export function checkSlackSignature(
  signingSecret: string,
  request: SignedSlackRequest,
  nowMs: number,
): SlackSignatureRefusal | undefined {
  const { timestamp, signature } = request;
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp))
    return 'slack_signature_missing';
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > SLACK_MAX_AGE_SECONDS)
    return 'slack_timestamp_stale';
  const expected = Buffer.from(slackSignatureOf(signingSecret, timestamp, request.rawBody), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual needs equal lengths; a length says nothing of the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'slack_signature_invalid';
  return undefined;
}
