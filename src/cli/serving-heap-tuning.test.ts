import { describe, expect, it } from 'vitest';
import { shouldTurnOffPretenuring } from './serving-heap-tuning.js';

describe('shouldTurnOffPretenuring', () => {
  it('turns pretenuring off when the user said nothing about it', () => {
    expect(shouldTurnOffPretenuring(['--enable-source-maps'], '--max-old-space-size=4096')).toBe(true);
    expect(shouldTurnOffPretenuring([], undefined)).toBe(true);
  });

  it('leaves it to a user who set the flag on the command line, either way', () => {
    expect(shouldTurnOffPretenuring(['--allocation-site-pretenuring'], undefined)).toBe(false);
    expect(shouldTurnOffPretenuring(['--no-allocation-site-pretenuring'], undefined)).toBe(false);
  });

  it('leaves it to a user who set the flag in NODE_OPTIONS', () => {
    expect(shouldTurnOffPretenuring([], '--inspect --allocation-site-pretenuring')).toBe(false);
  });
});
