import { describe, expect, it } from 'vitest';
import * as root from 'ai-agent-gateway';
import { createJsonLineLogger, DEFAULT_REDACTED_KEYS } from 'ai-agent-gateway/logging';

describe('ai-agent-gateway/logging', () => {
  it('exports the default logger and its redaction list, which the root no longer carries', () => {
    const lines: string[] = [];
    const logger = createJsonLineLogger({ level: 'info', write: (line) => lines.push(line) });
    logger.info('hello', { authorization: 'Bearer secret' });
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ level: 'info', msg: 'hello' });
    expect(lines[0]).not.toContain('secret');
    expect(DEFAULT_REDACTED_KEYS).toContain('authorization');
    expect(Object.keys(root)).not.toContain('createJsonLineLogger');
    expect(Object.keys(root)).not.toContain('DEFAULT_REDACTED_KEYS');
  });
});
