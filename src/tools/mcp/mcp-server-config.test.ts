import { describe, expect, it } from 'vitest';
import { parseMcpServerConfig } from './mcp-server-config.js';

describe('parseMcpServerConfig', () => {
  it('reads a Claude-style stdio entry, defaulting the type to stdio', () => {
    expect(
      parseMcpServerConfig({
        command: 'npx',
        args: ['-y', 'pkg'],
        env: { TOKEN: 'x' },
        cwd: '/tmp',
        disabled: false,
      }),
    ).toEqual({
      ok: true,
      config: { type: 'stdio', command: 'npx', args: ['-y', 'pkg'], env: { TOKEN: 'x' }, cwd: '/tmp' },
    });
  });

  it('reads http and sse entries with headers and a tool prefix', () => {
    expect(
      parseMcpServerConfig({
        type: 'http',
        url: 'https://mcp.example.com/mcp',
        headers: { authorization: 'Bearer t' },
      }),
    ).toEqual({
      ok: true,
      config: { type: 'http', url: 'https://mcp.example.com/mcp', headers: { authorization: 'Bearer t' } },
    });
    expect(
      parseMcpServerConfig({ type: 'sse', url: 'http://127.0.0.1:1/sse', toolPrefix: 'remote_' }),
    ).toEqual({
      ok: true,
      config: { type: 'sse', url: 'http://127.0.0.1:1/sse', toolPrefix: 'remote_' },
    });
  });

  it.each([
    ['a non-object entry', 'npx server', 'entry must be an object'],
    ['a missing command', { args: [] }, '`command` must be a non-empty string'],
    ['non-string args', { command: 'x', args: [1] }, '`args` must be an array of strings'],
    ['non-string env values', { command: 'x', env: { PORT: 3000 } }, '`env` must map names to string values'],
    ['a relative url', { type: 'http', url: '/mcp' }, '`url` must be an absolute URL'],
    ['an unknown type', { type: 'websocket', url: 'ws://x' }, 'unsupported type "websocket"'],
    ['a non-string prefix', { command: 'x', toolPrefix: 3 }, '`toolPrefix` must be a string'],
  ])('rejects %s with a reason', (_label, raw, problem) => {
    const parsed = parseMcpServerConfig(raw);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem).toContain(problem);
  });

  it('names every problem of an entry at once', () => {
    expect(parseMcpServerConfig({ command: ' ', args: [1], cwd: 2 })).toEqual({
      ok: false,
      problem:
        '`command` must be a non-empty string; `args` must be an array of strings; `cwd` must be a string',
    });
  });

  it('accepts an inline custom transport factory', () => {
    const createTransport = (): never => {
      throw new Error('unused');
    };
    expect(parseMcpServerConfig({ type: 'transport', createTransport })).toEqual({
      ok: true,
      config: { type: 'transport', createTransport },
    });
  });
});
