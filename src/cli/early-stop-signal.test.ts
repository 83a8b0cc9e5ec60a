import { afterEach, describe, expect, it, vi } from 'vitest';
import { listenForEarlyStop, type EarlyStopSignal } from './early-stop-signal.js';

let listening: EarlyStopSignal | undefined;
afterEach(() => {
  listening?.release();
  vi.restoreAllMocks();
});

describe('listenForEarlyStop', () => {
  it('keeps the first stop signal that arrives while serve starts, instead of letting it end the process', () => {
    const before = process.listenerCount('SIGTERM');
    listening = listenForEarlyStop();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(listening.received()).toBe('SIGTERM');
  });

  it('ends the process on a second stop signal before the gateway serves', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    listening = listenForEarlyStop();
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGTERM', 'SIGTERM');
    expect(listening.received()).toBe('SIGINT');
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGTERM');
  });

  it('stops listening once released, and releasing twice is harmless', () => {
    const before = process.listenerCount('SIGINT');
    listening = listenForEarlyStop();
    listening.release();
    listening.release();
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(listening.received()).toBeUndefined();
  });
});
