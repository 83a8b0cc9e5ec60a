import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closestName } from './closest-name.js';
import { GatewayError } from './errors.js';
import { implementing, parseOptions, positiveInteger, stringIterable } from './parse-options.js';

const schema = z.strictObject({
  maxTurns: positiveInteger().optional(),
  names: stringIterable().optional(),
  logger: implementing<{ warn: () => void }>('a logger', ['warn']).optional(),
  server: z.strictObject({ jwtSecret: z.string().optional(), port: z.number().optional() }).prefault({}),
});

const rejection = (value: unknown, renamed?: ReadonlyMap<string, string>): GatewayError => {
  try {
    parseOptions(schema, value, 'demo', renamed);
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('accepted');
};

describe('parseOptions', () => {
  it('returns the parsed options with defaults applied', () => {
    expect(parseOptions(schema, { maxTurns: 2 }, 'demo')).toEqual({ maxTurns: 2, server: {} });
  });

  it('refuses a non-object with invalid_option naming the caller', () => {
    const error = rejection([1]);
    expect(error.code).toBe('invalid_option');
    expect(error.message).toBe('demo: options must be an object');
  });

  it('suggests a near name, in nested groups too, and the group of a misplaced name', () => {
    expect(rejection({ maxTurn: 1 }).message).toBe(
      "demo: unknown option 'maxTurn' — did you mean 'maxTurns'?",
    );
    expect(rejection({ server: { jwtSecrt: 'x' } }).message).toBe(
      "demo: unknown option 'server.jwtSecrt' — did you mean 'server.jwtSecret'?",
    );
    expect(rejection({ jwtSecret: 'x' }).message).toBe(
      "demo: unknown option 'jwtSecret' — did you mean 'server.jwtSecret'?",
    );
    expect(rejection({ colour: 'blue' }).message).toBe("demo: unknown option 'colour'");
  });

  it('says what replaced a renamed option instead of guessing', () => {
    expect(rejection({ maxTurn: 1 }, new Map([['maxTurn', "use 'maxTurns'"]])).message).toBe(
      "demo: option 'maxTurn' was replaced: use 'maxTurns'",
    );
  });

  it('lists every problem with the path of the option', () => {
    const message = rejection({ maxTurns: 0, names: ['a', 2], server: { port: 'x' } }).message;
    expect(message).toMatch(/maxTurns: Too small/);
    expect(message).toMatch(/names\.1: .*expected string/);
    expect(message).toMatch(/server\.port: .*expected number/);
  });

  it('says why a record key is refused', () => {
    const withRecord = z.strictObject({
      env: z.record(z.string().regex(/^[A-Z]+$/, { message: 'is not an upper-case name' }), z.string()),
    });
    expect(() => parseOptions(withRecord, { env: { lower: 'x' } }, 'demo')).toThrow(
      'demo: env.lower: is not an upper-case name',
    );
  });

  it('recognises interface implementations by their methods and keeps the object', () => {
    const logger = { warn: (): void => undefined };
    expect(parseOptions(schema, { logger }, 'demo').logger).toBe(logger);
    expect(rejection({ logger: {} }).message).toBe('demo: logger: must be a logger');
  });
});

describe('closestName', () => {
  it('finds a likely typo and ignores unrelated names', () => {
    expect(closestName('maxTurn', ['maxTokens', 'maxTurns'])).toBe('maxTurns');
    expect(closestName('MAXTURNS', ['maxTurns'])).toBe('maxTurns');
    expect(closestName('colour', ['maxTurns', 'model'])).toBeUndefined();
  });
});
