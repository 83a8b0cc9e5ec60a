import { describe, expect, it } from 'vitest';
import { createJsonLineLogger } from './json-line-logger.js';

const recorder = (options: Parameters<typeof createJsonLineLogger>[0] = {}) => {
  const lines: string[] = [];
  const logger = createJsonLineLogger({
    now: () => Date.UTC(2026, 10, 23, 8, 30, 5),
    write: (line) => void lines.push(line),
    ...options,
  });
  return { logger, lines };
};

describe('createJsonLineLogger', () => {
  it('writes one JSON object per entry from its level up', () => {
    const { logger, lines } = recorder({ level: 'info' });
    logger.debug('not written');
    logger.info('request', { method: 'GET', status: 200 });
    logger.error('run failed', { code: 'internal_error' });
    expect((['debug', 'info', 'warn', 'error'] as const).map((level) => logger.enabled?.(level))).toEqual([
      false,
      true,
      true,
      true,
    ]);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { time: '2026-11-23T08:30:05.000Z', level: 'info', msg: 'request', method: 'GET', status: 200 },
      { time: '2026-11-23T08:30:05.000Z', level: 'error', msg: 'run failed', code: 'internal_error' },
    ]);
  });

  it('redacts credentials at any depth and in any case, and leaves the caller’s object alone', () => {
    const { logger, lines } = recorder();
    const details = {
      headers: { Authorization: 'Bearer eyJ.secret', 'X-API-Key': 'sk-ant-1', accept: 'text/event-stream' },
      body: { api_key: 'sk-live', nested: [{ session_token: 'tok', password: 'hunter2' }] },
      apiKey: 'sk-2',
    };
    logger.warn('something', details);
    const line = lines[0] ?? '';
    for (const secret of ['eyJ.secret', 'sk-ant-1', 'sk-live', 'tok"', 'hunter2', 'sk-2'])
      expect(line).not.toContain(secret);
    expect(JSON.parse(line)).toMatchObject({
      headers: { Authorization: '[redacted]', 'X-API-Key': '[redacted]', accept: 'text/event-stream' },
      body: { api_key: '[redacted]', nested: [{ session_token: '[redacted]', password: '[redacted]' }] },
      apiKey: '[redacted]',
    });
    expect(details.headers.Authorization).toBe('Bearer eyJ.secret');
  });

  it('takes its own list of redacted keys', () => {
    const { logger, lines } = recorder({ redact: ['customerEmail'] });
    logger.warn('x', { customeremail: 'a@b.c', token: 'kept' });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ customeremail: '[redacted]', token: 'kept' });
  });

  it('survives cycles and values JSON cannot encode', () => {
    const { logger, lines } = recorder();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    logger.warn('cycle', { cyclic, error: new Error('boom') });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      cyclic: { name: 'loop', self: '[cycle]' },
      error: { name: 'Error', message: 'boom' },
    });
    logger.warn('bigint', { size: 10n });
    expect(JSON.parse(lines[1] ?? '{}')).toEqual({
      time: '2026-11-23T08:30:05.000Z',
      level: 'warn',
      msg: 'bigint',
      details: ['size'],
    });
  });

  it('writes readable key=value lines in the pretty format, redacted too', () => {
    const { logger, lines } = recorder({ format: 'pretty', level: 'debug' });
    logger.info('request', {
      method: 'GET',
      route: '/api/health',
      status: 200,
      note: 'two words',
      token: 't',
    });
    expect(lines).toEqual([
      '08:30:05 INFO  request method=GET route=/api/health status=200 note="two words" token=[redacted]',
    ]);
    const coloured = recorder({ format: 'pretty', colour: true });
    coloured.logger.error('run failed');
    expect(coloured.lines[0]).toBe('08:30:05 \u001b[31mERROR\u001b[0m run failed');
  });

  it('clips every long string, in the message and at any depth, so one entry stays small', () => {
    const { logger, lines } = recorder();
    const huge = 'c'.repeat(500_000);
    logger.warn(`tool call failed ${huge}`, {
      code: huge,
      nested: { error: { message: huge }, list: [huge, 'short'] },
    });
    const line = lines[0] ?? '';
    expect(line.length).toBeLessThan(16 * 1024);
    const entry = JSON.parse(line) as {
      msg: string;
      code: string;
      nested: { error: { message: string }; list: string[] };
    };
    expect(entry.code).toMatch(/^c{2048}… \[497952 more characters\]$/);
    expect(entry.nested.error.message).toBe(entry.code);
    expect(entry.nested.list).toEqual([entry.code, 'short']);
    expect(entry.msg.startsWith('tool call failed ccc')).toBe(true);
    expect(entry.msg.length).toBeLessThan(2_100);
  });

  it('escapes control characters in pretty lines, so a logged value cannot drive the terminal', () => {
    const { logger, lines } = recorder({ format: 'pretty' });
    const hostile = 'a\u001b[2Kb\u001b]0;owned\u0007c\rd\u009be\u202ef';
    logger.warn(`tool call failed ${hostile}`, { code: hostile, [`key${hostile}`]: 1, nested: { hostile } });
    const line = lines[0] ?? '';
    // eslint-disable-next-line no-control-regex
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(line).toContain('a\\u001b[2Kb\\u001b]0;owned\\u0007c\\rd\\u009be\\u202ef');

    const coloured = recorder({ format: 'pretty', colour: true });
    coloured.logger.error(hostile);
    expect(coloured.lines[0]).toBe(
      '08:30:05 \u001b[31mERROR\u001b[0m a\\u001b[2Kb\\u001b]0;owned\\u0007c\\rd\\u009be\\u202ef',
    );
  });
  it('writes these exact lines, flat or nested, redacted, clipped, escaped or unserialisable', () => {
    const { logger, lines } = recorder({ level: 'debug' });
    const head = (level: string, msg: string): string =>
      `{"time":"2026-11-23T08:30:05.000Z","level":"${level}","msg":"${msg}"`;
    logger.info('request', { method: 'GET', route: '/api/x', status: 200, durationMs: 0.4, bytes: 12 });
    logger.info('run finished', {
      runId: 'r',
      turns: undefined,
      costUsd: Number.NaN,
      outcome: null,
      ok: true,
    });
    logger.info('x', { route: '/r', Token: 't' });
    logger.warn('x', { user: 'u', headers: { Cookie: 'c', accept: '*/*' }, list: [{ password: 'p' }] });
    logger.info('a\u001bb\u009bc', { code: 'x\u202ey\u2028z\n"\\', ['k\u0085']: 1 });
    logger.info('x', { code: 'c'.repeat(2_049), short: 'c'.repeat(2_048) });
    logger.info('real', { msg: 'fake', time: 't', extra: 1 });
    logger.info('x', { b: 1, 2: 'two' });
    logger.error('x', { size: 10n, ok: 1 });
    logger.debug('x', { when: new Date(0), error: new TypeError('bad\u001b') });
    expect(lines).toEqual([
      `${head('info', 'request')},"method":"GET","route":"/api/x","status":200,"durationMs":0.4,"bytes":12}`,
      `${head('info', 'run finished')},"runId":"r","costUsd":null,"outcome":null,"ok":true}`,
      `${head('info', 'x')},"route":"/r","Token":"[redacted]"}`,
      `${head('warn', 'x')},"user":"u","headers":{"Cookie":"[redacted]","accept":"*/*"},"list":[{"password":"[redacted]"}]}`,
      String.raw`{"time":"2026-11-23T08:30:05.000Z","level":"info","msg":"a\u001bb\u009bc","code":"x\u202ey\u2028z\n\"\\","k\u0085":1}`,
      `${head('info', 'x')},"code":"${'c'.repeat(2_048)}… [1 more characters]","short":"${'c'.repeat(2_048)}"}`,
      `{"time":"t","level":"info","msg":"fake","extra":1}`,
      `{"2":"two",${head('info', 'x').slice(1)},"b":1}`,
      `${head('error', 'x')},"details":["size","ok"]}`,
      `${head('debug', 'x')},"when":"1970-01-01T00:00:00.000Z","error":{"name":"TypeError","message":"bad\\u001b"}}`,
    ]);
  });

  it('writes the time of each line, made once per millisecond of its clock', () => {
    let clock = Date.UTC(2026, 10, 23, 8, 30, 5, 1);
    const { logger, lines } = recorder({ level: 'info', now: () => clock });
    logger.info('a');
    logger.info('b');
    clock += 1;
    logger.info('c');
    expect(lines.map((line) => (JSON.parse(line) as { time: string }).time)).toEqual([
      '2026-11-23T08:30:05.001Z',
      '2026-11-23T08:30:05.001Z',
      '2026-11-23T08:30:05.002Z',
    ]);
  });
});
