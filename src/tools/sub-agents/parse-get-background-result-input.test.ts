import { describe, expect, it } from 'vitest';
import { parseGetBackgroundResultInput } from './parse-get-background-result-input.js';

describe('parseGetBackgroundResultInput', () => {
  it('defaults to no wait and a 60 s timeout', () => {
    expect(parseGetBackgroundResultInput({ task_id: ' bg_0 ' })).toEqual({
      taskId: 'bg_0',
      wait: false,
      timeoutSeconds: 60,
    });
  });

  it('clamps the timeout to 0…120 seconds', () => {
    expect(parseGetBackgroundResultInput({ task_id: '*', wait: true, timeout: 500 }).timeoutSeconds).toBe(
      120,
    );
    expect(parseGetBackgroundResultInput({ task_id: '*', wait: true, timeout: -3 }).timeoutSeconds).toBe(0);
    expect(parseGetBackgroundResultInput({ task_id: '*', wait: true, timeout: 7.5 }).timeoutSeconds).toBe(
      7.5,
    );
  });

  it('rejects a boolean or infinite timeout', () => {
    expect(() => parseGetBackgroundResultInput({ task_id: 'bg_0', timeout: true })).toThrow(
      'timeout must be a number',
    );
    expect(() => parseGetBackgroundResultInput({ task_id: 'bg_0', timeout: Infinity })).toThrow(
      'timeout must be a number',
    );
  });
});
