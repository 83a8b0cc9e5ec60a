import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isGatewayError } from '../core/errors.js';
import { tool } from './define-tool.js';
import { createToolDispatcher } from './tool-dispatcher.js';
import { resolveToolDispatcherOptions } from './tool-dispatcher-options.js';
import type { ToolDispatcherOptions } from './tool-dispatcher-options.js';

function invalidOptionMessage(options: unknown): string {
  try {
    createToolDispatcher(options as ToolDispatcherOptions);
  } catch (error) {
    if (isGatewayError(error, 'invalid_option')) return error.message;
    throw error;
  }
  throw new Error('expected createToolDispatcher to reject the options');
}

const greet = tool({ name: 'greet', description: 'Greets', inputSchema: z.object({}), execute: () => 'hi' });
const definition = { name: 'greet', description: 'plain', input_schema: { type: 'object' } };

const clientGreet = tool({
  name: 'greet',
  description: 'Greets',
  inputSchema: z.object({}),
  execute: 'client',
});

describe('createToolDispatcher options', () => {
  it('names the replacement of handlers, definitions and clientTools', () => {
    expect(invalidOptionMessage({ handlers: { greet: () => 'hello' } })).toBe(
      "createToolDispatcher: option 'handlers' was replaced: declare each tool with tool({ name, description, inputSchema, execute }) in 'tools'",
    );
    expect(invalidOptionMessage({ definitions: [definition] })).toContain(
      "option 'definitions' was replaced: declare each tool with tool(",
    );
    expect(invalidOptionMessage({ clientTools: [definition] })).toContain(
      "option 'clientTools' was replaced: declare client-side tools with tool({ ..., execute: 'client' }) in 'tools'",
    );
  });

  it('rejects a tool defined twice, local or client-side', () => {
    expect(invalidOptionMessage({ tools: [greet, greet] })).toBe(
      "createToolDispatcher: tools: tool 'greet' is defined more than once",
    );
    expect(invalidOptionMessage({ tools: [greet, clientGreet] })).toContain(
      "tool 'greet' is defined more than once",
    );
  });

  it('rejects malformed tools and interceptors', () => {
    expect(
      invalidOptionMessage({ tools: [{ definition: { name: 'x', description: 'd' }, handler: () => 1 }] }),
    ).toContain('tools.0.definition.input_schema');
    expect(
      invalidOptionMessage({ tools: [{ definition: { ...definition, name: '' }, handler: () => 1 }] }),
    ).toContain('tools.0.definition.name');
    expect(invalidOptionMessage({ tools: [{ definition, handler: 'not a function' }] })).toContain(
      'tools.0.handler: must be a function',
    );
    expect(invalidOptionMessage({ interceptors: [{}] })).toContain('interceptors.0: must be an interceptor');
    expect(invalidOptionMessage({ tools: [{ definition }] })).toContain('tools.0.handler');
    expect(invalidOptionMessage({ tools: [{ definition, runsOn: 'server' }] })).toContain('tools.0.runsOn');
  });

  it('rejects invalid approval settings', () => {
    expect(invalidOptionMessage({ approvalTimeoutMs: 0 })).toContain('approvalTimeoutMs');
    expect(invalidOptionMessage({ approvedToolTypes: ['code_execute'] })).toContain('approvedToolTypes');
    expect(invalidOptionMessage({ requestApproval: true })).toContain('requestApproval');
  });

  it('rejects an incomplete remote source and unknown option names', () => {
    expect(invalidOptionMessage({ remote: { hasTool: () => false } })).toContain('remote');
    expect(invalidOptionMessage({ needApproval: () => true })).toBe(
      "createToolDispatcher: unknown option 'needApproval' — did you mean 'needsApproval'?",
    );
    expect(invalidOptionMessage({ logger: console, approvalTimeout: 5 })).toBe(
      "createToolDispatcher: unknown option 'approvalTimeout' — did you mean 'approvalTimeoutMs'?",
    );
  });

  it('applies defaults and splits local and client-side tools', () => {
    const approvedToolTypes = new Set<string>();
    const lookup = {
      definition: { ...definition, name: 'lookup', idempotent: true },
      runsOn: 'client' as const,
    };
    const resolved = resolveToolDispatcherOptions({ tools: [greet, lookup], approvedToolTypes });
    expect([...resolved.handlers.keys()]).toEqual(['greet']);
    expect([...resolved.clientToolNames]).toEqual(['lookup']);
    expect(resolved.definitions).toEqual([
      greet.definition,
      { ...definition, name: 'lookup', idempotent: true },
    ]);
    expect(resolved.approvalTimeoutMs).toBe(120_000);
    expect(resolved.approvedToolTypes).toBe(approvedToolTypes);
    expect(resolved.needsApproval('greet', {}, '')).toBe(false);
  });
});
