import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolErrorPayload } from '../../core/tool.js';
import { classifyMcpErrorText } from './classify-mcp-error-text.js';

/** A converted MCP result: the value the model reads, or the error it reads instead. */
export type ConvertedMcpResult = { ok: true; result: unknown } | { ok: false; error: ToolErrorPayload };

/**
 * Converts a `tools/call` result into the gateway's outcome. Success: `structuredContent` when
 * the server sent it (it is the machine-readable form); otherwise the non-empty text items,
 * joined by newlines and parsed as JSON when they are JSON, else `{ text }`; otherwise `{}`.
 * An `isError` result becomes `mcp_tool_error` so the model sees a failure, not data, with a
 * sub-code guessed from the text.
 */
export function convertMcpToolResult(result: CallToolResult, toolName: string): ConvertedMcpResult {
  const text = joinText(result.content);
  const structured = result.structuredContent;
  if (result.isError === true) {
    const message =
      text !== ''
        ? text
        : structured !== undefined
          ? JSON.stringify(structured)
          : `MCP tool failed: ${toolName}`;
    return { ok: false, error: { code: 'mcp_tool_error', sub_code: classifyMcpErrorText(message), message } };
  }
  if (structured !== undefined) return { ok: true, result: structured };
  if (text === '') return { ok: true, result: {} };
  return { ok: true, result: parseJsonOrWrap(text) };
}

function joinText(content: CallToolResult['content'] | undefined): string {
  if (content === undefined) return '';
  let joined = '';
  for (const item of content) {
    if (item.type !== 'text' || item.text.trim() === '') continue;
    joined = joined === '' ? item.text : `${joined}\n${item.text}`;
  }
  return joined;
}

// A JSON text starts with one of these; checking first avoids a throw (slow) for plain prose.
const JSON_START = /^\s*[[{"\-\d]|^\s*(true|false|null)\b/;

function parseJsonOrWrap(text: string): unknown {
  if (JSON_START.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all (e.g. "3 files found"); fall through to the text wrapper.
    }
  }
  return { text };
}
