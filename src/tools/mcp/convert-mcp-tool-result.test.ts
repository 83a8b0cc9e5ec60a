import { describe, expect, it } from 'vitest';
import { classifyMcpErrorText } from './classify-mcp-error-text.js';
import { convertMcpToolResult } from './convert-mcp-tool-result.js';

const text = (value: string) => ({ type: 'text' as const, text: value });

describe('convertMcpToolResult', () => {
  it('prefers structuredContent over text', () => {
    expect(
      convertMcpToolResult({ content: [text('{"a":1}')], structuredContent: { temperature: 20 } }, 'weather'),
    ).toEqual({ ok: true, result: { temperature: 20 } });
  });

  it('parses joined non-empty text items as JSON', () => {
    expect(convertMcpToolResult({ content: [text('{"items":'), text('  '), text('[1,2]}')] }, 't')).toEqual({
      ok: true,
      result: { items: [1, 2] },
    });
    expect(convertMcpToolResult({ content: [text('42')] }, 't')).toEqual({ ok: true, result: 42 });
  });

  it('wraps text that is not JSON as { text }', () => {
    expect(convertMcpToolResult({ content: [text('Echo: hi'), text('second line')] }, 'echo')).toEqual({
      ok: true,
      result: { text: 'Echo: hi\nsecond line' },
    });
    expect(convertMcpToolResult({ content: [text('[not json')] }, 't')).toEqual({
      ok: true,
      result: { text: '[not json' },
    });
  });

  it('returns {} when there is no text', () => {
    expect(
      convertMcpToolResult({ content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }] }, 'snap'),
    ).toEqual({ ok: true, result: {} });
    expect(convertMcpToolResult({ content: [] }, 't')).toEqual({ ok: true, result: {} });
  });

  it('turns isError into mcp_tool_error with the text as message and a classified sub_code', () => {
    expect(convertMcpToolResult({ isError: true, content: [text('ENOENT: no such file')] }, 'read')).toEqual({
      ok: false,
      error: { code: 'mcp_tool_error', sub_code: 'not_found', message: 'ENOENT: no such file' },
    });
  });

  it('falls back to structured JSON, then to a generic message, for a failed result without text', () => {
    expect(
      convertMcpToolResult({ isError: true, content: [], structuredContent: { reason: 'quota' } }, 'x'),
    ).toEqual({
      ok: false,
      error: { code: 'mcp_tool_error', sub_code: 'unknown', message: '{"reason":"quota"}' },
    });
    expect(convertMcpToolResult({ isError: true, content: [] }, 'deploy')).toEqual({
      ok: false,
      error: { code: 'mcp_tool_error', sub_code: 'unknown', message: 'MCP tool failed: deploy' },
    });
  });
});

describe('classifyMcpErrorText', () => {
  it.each([
    ['Resource not found: users/7', 'not_found'],
    ["ENOENT: no such file or directory, open '/x'", 'not_found'],
    ['Parse error: unexpected token', 'parse_error'],
    ['Invalid JSON in request body', 'parse_error'],
    ['Upstream request timed out', 'timeout'],
    ['Gateway Timeout', 'timeout'],
    ['Access denied', 'unknown'],
  ])('classifies %j as %s', (message, kind) => {
    expect(classifyMcpErrorText(message)).toBe(kind);
  });
});
