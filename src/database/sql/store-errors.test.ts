import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../core/errors.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { redactDatabaseUrl } from './redact-database-url.js';
import { failClosed, isUnavailable } from './store-errors.js';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('SQL store errors, cursors and URLs', () => {
  it('reports a down database as store_unavailable and lets a refused statement through', async () => {
    for (const down of [
      withCode('ECONNREFUSED'),
      new Error('Connection terminated unexpectedly'),
      withCode('57P01'),
      withCode('08006'),
    ]) {
      expect(isUnavailable(down)).toBe(true);
      await expect(failClosed('getThread', () => Promise.reject(down))).rejects.toMatchObject({
        code: 'store_unavailable',
      });
    }
    const constraint = withCode('23505');
    await expect(failClosed('createThread', () => Promise.reject(constraint))).rejects.toBe(constraint);
    const ours = new GatewayError('invalid_option', 'too long');
    await expect(failClosed('createThread', () => Promise.reject(ours))).rejects.toBe(ours);
  });

  it('round-trips a cursor and refuses one it did not issue', () => {
    expect(decodeCursor(encodeCursor({ at: 1_795_000_000_000, id: 'thr_ab' }))).toEqual({
      at: 1_795_000_000_000,
      id: 'thr_ab',
    });
    for (const forged of [
      '',
      'eyJ9',
      Buffer.from('[1.5,"x"]').toString('base64url'),
      Buffer.from('{"at":1}').toString('base64url'),
    ]) {
      expect(() => decodeCursor(forged)).toThrow(
        expect.objectContaining({ code: 'invalid_option' }) as Error,
      );
    }
  });

  it('hides the password of a database URL', () => {
    expect(redactDatabaseUrl('postgres://app:s3cret@db.internal:5432/gateway')).toBe(
      'postgres://app:***@db.internal:5432/gateway',
    );
    expect(redactDatabaseUrl('not a url with s3cret')).toBe('postgres (unparsable URL)');
  });
});
