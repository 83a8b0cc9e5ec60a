import { describe, expect, it } from 'vitest';
import {
  HEAP_GROWTH_FLAG,
  NO_PRETENURING_FLAG,
  needsReexecution,
  reexecutionArguments,
  serveV8Flags,
  V8_DEFAULTS_VARIABLE,
} from './serving-process.js';

describe('needsReexecution', () => {
  it('re-executes when nobody set the flag', () => {
    expect(needsReexecution(['--enable-source-maps', '--import', 'tsx'], {})).toBe(true);
    expect(needsReexecution([], { NODE_OPTIONS: '--max-old-space-size=4096' })).toBe(true);
  });

  it('leaves it to a user who set the flag on the command line, either way and in either spelling', () => {
    expect(needsReexecution(['--allocation-site-pretenuring'], {})).toBe(false);
    expect(needsReexecution([NO_PRETENURING_FLAG], {})).toBe(false);
    expect(needsReexecution(['--no_allocation_site_pretenuring'], {})).toBe(false);
  });

  it(`keeps V8's defaults with ${V8_DEFAULTS_VARIABLE}=1 only`, () => {
    expect(needsReexecution([], { [V8_DEFAULTS_VARIABLE]: '1' })).toBe(false);
    expect(needsReexecution([], { [V8_DEFAULTS_VARIABLE]: '0' })).toBe(true);
  });
});

describe('reexecutionArguments', () => {
  it("puts the flags among node's own flags, before the script and its arguments", () => {
    expect(
      reexecutionArguments(['--import', 'tsx'], ['/usr/bin/node', 'main.ts', 'serve', 'agent.ts']),
    ).toEqual(['--import', 'tsx', NO_PRETENURING_FLAG, HEAP_GROWTH_FLAG, 'main.ts', 'serve', 'agent.ts']);
  });
});

describe('serveV8Flags', () => {
  it("bounds the old generation's growth unless the user set it, in either spelling", () => {
    expect(serveV8Flags([])).toEqual([NO_PRETENURING_FLAG, HEAP_GROWTH_FLAG]);
    expect(serveV8Flags(['--heap-growing-percent=20'])).toEqual([NO_PRETENURING_FLAG]);
    expect(serveV8Flags(['--heap_growing_percent=200'])).toEqual([NO_PRETENURING_FLAG]);
    expect(serveV8Flags(['--max-old-space-size=512'])).toEqual([NO_PRETENURING_FLAG, HEAP_GROWTH_FLAG]);
  });
});
