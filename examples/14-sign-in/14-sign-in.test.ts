import { describe, expect, it } from 'vitest';
import { useExampleLifecycle } from '../__fixtures__/example-harness.js';
import { tryIt } from './try-it.js';

describe('example 14-sign-in', () => {
  useExampleLifecycle();

  it('serves each signed-in user their own threads, and nothing without a token', async () => {
    const lines: string[] = [];
    const tour = await tryIt((line) => lines.push(line));
    expect(tour.anonymousStatus).toBe(401);
    expect(tour.threads).toEqual({ ada: ["ada's questions"], grace: ["grace's questions"] });
    expect(tour.answers['ada']).toContain('Stub response');
    expect(lines[0]).toBe('without a token: 401');
  });
});
