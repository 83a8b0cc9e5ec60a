import { describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { createRecordingMcpLogger } from './__fixtures__/recording-mcp-logger.js';
import { buildMcpToolTable } from './build-mcp-tool-table.js';
import type { McpServerTools } from './build-mcp-tool-table.js';

const toolNamed = (name: string, extra: Partial<Tool> = {}): Tool => ({
  name,
  inputSchema: { type: 'object', properties: {} },
  ...extra,
});

function build(servers: McpServerTools[], builtins: string[] = [], strip: string[] = []) {
  const recording = createRecordingMcpLogger();
  const table = buildMcpToolTable({
    servers,
    builtinToolNames: new Set(builtins),
    stripInputFields: new Set(strip),
    logger: recording.logger,
  });
  return { table, log: recording.text() };
}

describe('buildMcpToolTable', () => {
  it('hides a tool whose name a built-in tool already has', () => {
    const { table, log } = build(
      [{ server: 'fs', toolPrefix: '', tools: [toolNamed('run_agent'), toolNamed('read_file')] }],
      ['run_agent'],
    );
    expect(table.definitions.map(({ name }) => name)).toEqual(['read_file']);
    expect(table.routes.has('run_agent')).toBe(false);
    expect(log).toContain("MCP tool 'run_agent' of server 'fs' hidden: a built-in tool has that name");
  });

  it('lets the first server in configuration order win a name clash', () => {
    const { table, log } = build([
      { server: 'first', toolPrefix: '', tools: [toolNamed('search')] },
      { server: 'second', toolPrefix: '', tools: [toolNamed('search'), toolNamed('fetch')] },
    ]);
    expect(table.routes.get('search')).toEqual({ server: 'first', toolName: 'search' });
    expect(table.namesByServer.get('second')).toEqual(['fetch']);
    expect(log).toContain("server 'first' already offers it");
  });

  it('advertises prefixed names and routes them to the real name', () => {
    const { table } = build([
      { server: 'a', toolPrefix: '', tools: [toolNamed('search')] },
      { server: 'b', toolPrefix: 'b_', tools: [toolNamed('search')] },
    ]);
    expect(table.definitions.map(({ name }) => name)).toEqual(['search', 'b_search']);
    expect(table.routes.get('b_search')).toEqual({ server: 'b', toolName: 'search' });
  });

  it('applies the built-in rule to the prefixed name', () => {
    const { table } = build(
      [{ server: 'b', toolPrefix: 'b_', tools: [toolNamed('x'), toolNamed('y')] }],
      ['b_x', 'y'],
    );
    expect(table.definitions.map(({ name }) => name)).toEqual(['b_y']);
  });

  it('fills a missing description and strips configured input fields', () => {
    const { table } = build(
      [
        {
          server: 's',
          toolPrefix: '',
          tools: [
            toolNamed('lookup', {
              inputSchema: {
                type: 'object',
                properties: { id: { type: 'string' }, _session_id: { type: 'string' } },
                required: ['id', '_session_id'],
              },
            }),
          ],
        },
      ],
      [],
      ['_session_id'],
    );
    expect(table.definitions[0]).toEqual({
      name: 'lookup',
      description: '',
      input_schema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    });
  });

  it('marks read-only and idempotent tools as safe to re-run, and no other', () => {
    const { table } = build([
      {
        server: 'fs',
        toolPrefix: '',
        tools: [
          toolNamed('read_file', { annotations: { readOnlyHint: true } }),
          toolNamed('put_file', { annotations: { idempotentHint: true } }),
          toolNamed('append_file', { annotations: { idempotentHint: false, destructiveHint: true } }),
          toolNamed('plain'),
        ],
      },
    ]);
    expect(table.definitions.map(({ name, idempotent }) => [name, idempotent === true])).toEqual([
      ['read_file', true],
      ['put_file', true],
      ['append_file', false],
      ['plain', false],
    ]);
  });
});
