import { describe, expect, it } from 'vitest';
import { annotateResult, isSoftError, toToolResultBlock } from './tool-result-blocks.js';

describe('tool result blocks', () => {
  it('serialises a successful result as JSON without is_error', () => {
    expect(toToolResultBlock('t1', { ok: true, result: { value: 42 }, server: null })).toEqual({
      type: 'tool_result',
      tool_use_id: 't1',
      content: '{"value":42}',
    });
  });

  it('serialises an undefined result as null', () => {
    expect(toToolResultBlock('t1', { ok: true, result: undefined, server: null }).content).toBe('null');
  });

  it('flags soft errors (success false or status error)', () => {
    expect(isSoftError({ success: false })).toBe(true);
    expect(isSoftError({ status: 'error' })).toBe(true);
    expect(isSoftError({ success: true, status: 'ok' })).toBe(false);
    expect(isSoftError(['error'])).toBe(false);
    expect(toToolResultBlock('t1', { ok: true, result: { success: false }, server: null }).is_error).toBe(
      true,
    );
  });

  it('wraps errors as {error} with is_error', () => {
    const block = toToolResultBlock('t1', {
      ok: false,
      error: { code: 'tool_timeout', message: 'slow', sub_code: 'timeout' },
      server: null,
    });
    expect(block.is_error).toBe(true);
    expect(JSON.parse(block.content as string)).toEqual({
      error: { code: 'tool_timeout', message: 'slow', sub_code: 'timeout' },
    });
  });

  it('turns warnings into one _runner_warning without touching the raw result', () => {
    const raw = { value: 1 };
    expect(annotateResult(raw, ['a', 'b'])).toEqual({ value: 1, _runner_warning: 'Policy warning: a | b' });
    expect(raw).toEqual({ value: 1 });
    expect(annotateResult('text', ['a'])).toEqual({ result: 'text', _runner_warning: 'Policy warning: a' });
    expect(annotateResult([1], ['a'])).toEqual({ result: [1], _runner_warning: 'Policy warning: a' });
    expect(annotateResult(raw, [])).toBe(raw);
  });

  it('reports an unserialisable result to the model as an error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const block = toToolResultBlock('t1', { ok: true, result: cyclic, server: null });
    expect(block.is_error).toBe(true);
    expect(block.content).toContain('internal_error');
  });
});

describe('annotateResult: sub-agent warnings', () => {
  it('repeats a run_agent warning for the model next to policy warnings', () => {
    const result = {
      response: 'partial',
      warning: 'Sub-agent timed out after 300s — partial results returned',
    };
    expect(annotateResult(result, ['slow tool'], 'run_agent')).toEqual({
      ...result,
      _runner_warning:
        'Policy warning: slow tool; Sub-agent warning: Sub-agent timed out after 300s — partial results returned',
    });
  });

  it('leaves a warning key of other tools alone', () => {
    const result = { warning: 'low disk' };
    expect(annotateResult(result, undefined, 'read_status')).toBe(result);
  });
});
