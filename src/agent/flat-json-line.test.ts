import { describe, expect, it } from 'vitest';
import { escapeControlCharacters } from './clip-log-text.js';
import { createFlatJsonLines } from './flat-json-line.js';
import { DEFAULT_REDACTED_KEYS, redactLogDetails } from './redact-log-details.js';

const TIME = '2026-11-23T08:30:05.000Z';
const redacted = new Set(DEFAULT_REDACTED_KEYS.map((key) => key.toLowerCase()));
const flatJsonLine = createFlatJsonLines(redacted);

/**
 * The line of the general path: the entry after `redactLogDetails`, through `JSON.stringify`,
 * control characters escaped.
 */
const generalLine = (details: Record<string, unknown>, message = 'm'): string =>
  escapeControlCharacters(
    JSON.stringify({ time: TIME, level: 'info', msg: message, ...redactLogDetails(details, redacted) }),
  );

const flat = (details: Record<string, unknown>): string | undefined =>
  flatJsonLine(TIME, 'info', 'm', details);

describe('createFlatJsonLines', () => {
  it('writes the request and run-end lines exactly as the general path does', () => {
    const request = { method: 'POST', route: '/chat', status: 200, durationMs: 1.3, session: 'a1b2c3d4e5f6' };
    const runEnd = {
      runId: 'run_1',
      sessionId: 's',
      outcome: 'done',
      turns: 1,
      inputTokens: undefined,
      outputTokens: 12,
      costUsd: undefined,
    };
    expect(flat(request)).toBe(
      `{"time":"${TIME}","level":"info","msg":"m","method":"POST","route":"/chat","status":200,"durationMs":1.3,"session":"a1b2c3d4e5f6"}`,
    );
    expect(flat(request)).toBe(generalLine(request));
    expect(flat(runEnd)).toBe(
      `{"time":"${TIME}","level":"info","msg":"m","runId":"run_1","sessionId":"s","outcome":"done","turns":1,"outputTokens":12}`,
    );
    expect(flat(runEnd)).toBe(generalLine(runEnd));
    expect(flat({})).toBe(`{"time":"${TIME}","level":"info","msg":"m"}`);
  });

  it('writes every number, boolean, null and awkward string as JSON.stringify does, control characters escaped', () => {
    const details = {
      nan: Number.NaN,
      infinite: Number.POSITIVE_INFINITY,
      negativeZero: -0,
      large: 1e21,
      small: 1.5e-7,
      yes: true,
      no: false,
      nothing: null,
      quotes: 'a "b" \\ c',
      controls: 'line\nbreak\r\t\u0000\u001b[2K\u007f\u009b',
      separators: 'a\u2028b\u2029c\u202ed',
      loneSurrogate: 'x\ud800y',
      pair: 'emoji 😀',
      'key "quoted"\n': 1,
      ['k\u001b']: 'v',
      empty: '',
      longest: 'c'.repeat(2_048),
    };
    const line = flat(details);
    expect(line).toBeDefined();
    expect(line).toBe(generalLine(details));
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    const awkward = 'a "quoted"\u001b[2K\u009b\u202e message \ud800';
    expect(flatJsonLine(TIME, 'info', awkward, { ok: 1 })).toBe(generalLine({ ok: 1 }, awkward));
  });

  it('leaves to the general path every entry it cannot write as it is', () => {
    const own = (key: string): Record<string, unknown> =>
      JSON.parse(`{${JSON.stringify(key)}:1}`) as Record<string, unknown>;
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`k${index}`, index]));
    const cases: Record<string, unknown>[] = [
      { token: 'secret' },
      { Authorization: 'Bearer x' },
      { msg: 'replaces the message in place' },
      { time: 1 },
      { level: 'error' },
      { b: 1, 1: 'integer keys come first' },
      own('__proto__'),
      { long: 'c'.repeat(2_049) },
      { ['k'.repeat(2_049)]: 1 },
      { nested: { token: 'deep' } },
      { list: [1, 2] },
      { when: new Date(0) },
      { error: new Error('boom') },
      { size: 10n },
      { fn: () => 1 },
      Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 }),
      many,
    ];
    for (const details of cases) expect(flat(details)).toBeUndefined();
  });
});
