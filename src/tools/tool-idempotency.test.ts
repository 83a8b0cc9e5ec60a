import { describe, expect, it } from 'vitest';
import { toolsOf } from './__fixtures__/dispatch-fixtures.js';
import { z } from 'zod';
import type { RemoteToolSource } from '../core/tool.js';
import { tool } from './define-tool.js';
import { createToolDispatcher } from './tool-dispatcher.js';

const remote: RemoteToolSource = {
  getToolDefinitions: () => [
    { name: 'mcp_read', description: '', input_schema: { type: 'object' }, idempotent: true },
    { name: 'mcp_write', description: '', input_schema: { type: 'object' } },
  ],
  hasTool: (name) => name === 'mcp_read' || name === 'mcp_write',
  getServerForTool: () => 'server',
  callTool: () => Promise.resolve({ ok: true, result: null, server: 'server' }),
};

describe('tool idempotency', () => {
  it('is declared on tool() and read back by the dispatcher for local and remote tools', () => {
    const lookup = tool({
      name: 'lookup',
      description: 'Looks up',
      inputSchema: z.object({ key: z.string() }),
      idempotent: true,
      execute: ({ key }) => key,
    });
    const charge = tool({
      name: 'charge',
      description: 'Charges a card',
      inputSchema: z.object({ cents: z.number() }),
      execute: ({ cents }) => cents,
    });
    expect(lookup.definition.idempotent).toBe(true);
    expect(charge.definition).not.toHaveProperty('idempotent');
    const dispatcher = createToolDispatcher({
      tools: toolsOf({ lookup: lookup.handler, charge: charge.handler }, [
        lookup.definition,
        charge.definition,
      ]),
      remote,
    });
    expect(
      ['lookup', 'charge', 'mcp_read', 'mcp_write', 'unknown'].map((name) => dispatcher.isIdempotent(name)),
    ).toEqual([true, false, true, false, false]);
  });

  it('lets a local tool that shadows a remote one decide for itself', () => {
    const dispatcher = createToolDispatcher({ tools: toolsOf({ mcp_read: () => 'local' }), remote });
    expect(dispatcher.isIdempotent('mcp_read')).toBe(false);
  });
});
