import { describe, expect, it } from 'vitest';
import { BacklogMeter } from './backlog-meter.js';

const MB = 1024 * 1024;

describe('BacklogMeter', () => {
  it('does not count the write in flight, however large', () => {
    const meter = new BacklogMeter();
    meter.wrote(3 * MB);
    expect(meter.behind(3 * MB)).toBe(0);
    expect(meter.behind(MB)).toBe(0);
  });

  it('counts the writes queued behind the one in flight', () => {
    const meter = new BacklogMeter();
    meter.wrote(3 * MB);
    meter.wrote(100);
    meter.wrote(200);
    expect(meter.behind(3 * MB + 300)).toBe(300);
  });

  it('lets the next write be in flight once the client took the first one', () => {
    const meter = new BacklogMeter();
    meter.wrote(100);
    meter.wrote(3 * MB);
    // The client took the small write and part of the large one.
    expect(meter.behind(2 * MB)).toBe(0);
    meter.wrote(500);
    expect(meter.behind(2 * MB + 500)).toBe(500);
  });

  it('tolerates the few bytes of framing a sink counts beyond the writes', () => {
    const meter = new BacklogMeter();
    meter.wrote(60);
    meter.wrote(3 * MB);
    // Nothing taken of the large write, plus a response head and chunk sizes.
    expect(meter.behind(3 * MB + 250)).toBe(0);
  });

  it('never reports more than the sink holds', () => {
    const meter = new BacklogMeter();
    for (let index = 0; index < 5000; index += 1) meter.wrote(10);
    expect(meter.behind(0)).toBe(0);
    meter.wrote(10 * 1024);
    meter.wrote(10 * 1024);
    expect(meter.behind(20 * 1024)).toBe(10 * 1024);
  });
});
