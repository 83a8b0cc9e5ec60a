import { describe, expect, it } from 'vitest';
import type { ToolResultContext } from '../../agent/agent-hooks.js';
import { toToolResultBlock } from '../../agent/tool-result-blocks.js';
import { sanitizeCodeExecuteResult } from './sanitize-code-execute-result.js';

const result = {
  stdout: 'done\n',
  images: [
    { filename: 'plot.png', media_type: 'image/png', data_base64: 'iVBORw0KGgo=' },
    { filename: 'huge.png', skipped: true, reason: 'exceeds max_image_base64_bytes' },
  ],
};

const contextFor = (toolName: string, error: ToolResultContext['error'] = null): ToolResultContext => ({
  toolName,
  toolInput: { code: 'x' },
  result,
  error,
  durationMs: 3,
  toolCallId: 'toolu_1',
  sessionId: 'session_1',
  server: null,
  resultBlock: toToolResultBlock('toolu_1', { ok: true, result, server: null }, toolName),
});

describe('sanitizeCodeExecuteResult', () => {
  it('replaces image data with a placeholder in the block the model reads only', () => {
    const context = contextFor('code_execute');
    expect(sanitizeCodeExecuteResult(context)).toBeUndefined();
    const content = JSON.parse(context.resultBlock.content as string) as typeof result;
    expect(content.images).toEqual([
      { filename: 'plot.png', media_type: 'image/png', data_base64: '[image: plot.png]' },
      { filename: 'huge.png', skipped: true, reason: 'exceeds max_image_base64_bytes' },
    ]);
    expect(content.stdout).toBe('done\n');
    // The raw result (what tool_call_complete carries) keeps the data.
    expect(result.images[0]).toMatchObject({ data_base64: 'iVBORw0KGgo=' });
  });

  it('also cleans a completed background result read through code_execute_status', () => {
    const context = contextFor('code_execute_status');
    sanitizeCodeExecuteResult(context);
    expect(JSON.stringify(context.resultBlock.content)).not.toContain('iVBORw0KGgo=');
  });

  it('leaves other tools and failures alone', () => {
    for (const context of [
      contextFor('other_tool'),
      contextFor('code_execute', { code: 'x', message: 'y' }),
    ]) {
      const before = context.resultBlock.content;
      sanitizeCodeExecuteResult(context);
      expect(context.resultBlock.content).toBe(before);
    }
  });
});
