import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isStartedByNpm, watchLauncher } from './launcher-watch.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('watchLauncher', () => {
  it('calls onGone once, when the parent pid changes (the launcher exited and the process was re-parented)', async () => {
    let parent = 4_242;
    const onGone = vi.fn();
    watchLauncher({ onGone, parentPid: () => parent, intervalMs: 500 });
    await vi.advanceTimersByTimeAsync(5_000);
    expect(onGone).not.toHaveBeenCalled();
    parent = 1;
    await vi.advanceTimersByTimeAsync(500);
    expect(onGone).toHaveBeenCalledTimes(1);
    parent = 7;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(onGone).toHaveBeenCalledTimes(1);
  });

  it('calls nothing once stopped', async () => {
    let parent = 4_242;
    const onGone = vi.fn();
    const stop = watchLauncher({ onGone, parentPid: () => parent });
    stop();
    stop();
    parent = 1;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(onGone).not.toHaveBeenCalled();
  });
});

describe('isStartedByNpm', () => {
  it('recognises npx and npm exec (npm_command) and package scripts (npm_lifecycle_event), nothing else', () => {
    expect(isStartedByNpm({ npm_command: 'exec' })).toBe(true);
    expect(isStartedByNpm({ npm_lifecycle_event: 'start' })).toBe(true);
    expect(isStartedByNpm({ PATH: '/usr/bin' })).toBe(false);
  });
});
