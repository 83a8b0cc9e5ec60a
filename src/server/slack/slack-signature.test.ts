import { describe, expect, it } from 'vitest';
import { checkSlackSignature, SLACK_MAX_AGE_SECONDS, slackSignatureOf } from './slack-signature.js';

const SECRET = 'slack-signing-secret';
const NOW_MS = Date.UTC(2026, 10, 28, 6, 0, 0);
const NOW_SECONDS = String(NOW_MS / 1000);
const body = new TextEncoder().encode('payload=%7B%22type%22%3A%22block_actions%22%7D');

/** A request signed with `secret` at `timestamp` (now unless given). */
const signed = (timestamp = NOW_SECONDS, secret = SECRET) => ({
  timestamp,
  signature: slackSignatureOf(secret, timestamp, body),
  rawBody: body,
});

describe('checkSlackSignature', () => {
  it('accepts a request Slack signed just now', () => {
    expect(checkSlackSignature(SECRET, signed(), NOW_MS)).toBeUndefined();
  });

  it('refuses a request without its timestamp or signature, or with a timestamp that is not seconds', () => {
    const request = signed();
    expect(checkSlackSignature(SECRET, { ...request, signature: undefined }, NOW_MS)).toBe(
      'slack_signature_missing',
    );
    expect(checkSlackSignature(SECRET, { ...request, timestamp: undefined }, NOW_MS)).toBe(
      'slack_signature_missing',
    );
    expect(checkSlackSignature(SECRET, { ...request, timestamp: '1e9' }, NOW_MS)).toBe(
      'slack_signature_missing',
    );
  });

  it('refuses a validly signed request more than five minutes old or ahead (a replay)', () => {
    const old = String(NOW_MS / 1000 - SLACK_MAX_AGE_SECONDS - 1);
    const ahead = String(NOW_MS / 1000 + SLACK_MAX_AGE_SECONDS + 1);
    expect(checkSlackSignature(SECRET, signed(old), NOW_MS)).toBe('slack_timestamp_stale');
    expect(checkSlackSignature(SECRET, signed(ahead), NOW_MS)).toBe('slack_timestamp_stale');
    const edge = String(NOW_MS / 1000 - SLACK_MAX_AGE_SECONDS);
    expect(checkSlackSignature(SECRET, signed(edge), NOW_MS)).toBeUndefined();
  });

  it('refuses a signature made with another secret, over another body, or of another length', () => {
    expect(checkSlackSignature(SECRET, signed(NOW_SECONDS, 'not-the-secret'), NOW_MS)).toBe(
      'slack_signature_invalid',
    );
    const tampered = { ...signed(), rawBody: new TextEncoder().encode('payload=%7B%7D') };
    expect(checkSlackSignature(SECRET, tampered, NOW_MS)).toBe('slack_signature_invalid');
    expect(checkSlackSignature(SECRET, { ...signed(), signature: 'v0=00' }, NOW_MS)).toBe(
      'slack_signature_invalid',
    );
  });
});
