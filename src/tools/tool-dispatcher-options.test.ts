import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isGatewayError } from '../core/errors.js';
import { tool } from './define-tool.js';
import { createToolDispatcher } from './tool-dispatcher.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS, resolveToolDispatcherOptions } from './tool-dispatcher-options.js';
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

describe('createToolDispatcher options', () => {
  it('rejects a name that has a handler in both tools and handlers', () => {
    expect(invalidOptionMessage({ tools: [greet], handlers: { greet: () => 'hello' } })).toContain(
      "tool 'greet' has a handler in both `tools` and `handlers`",
    );
  });

  it('rejects a tool defined twice', () => {
    expect(invalidOptionMessage({ tools: [greet], definitions: [definition] })).toContain(
      "tool 'greet' is defined more than once",
    );
    expect(invalidOptionMessage({ definitions: [definition, definition] })).toContain('more than once');
  });

  it('rejects malformed definitions, handlers and interceptors', () => {
    expect(invalidOptionMessage({ definitions: [{ name: 'x', description: 'd' }] })).toContain(
      'definitions.0.input_schema',
    );
    expect(invalidOptionMessage({ definitions: [{ ...definition, name: '' }] })).toContain(
      'definitions.0.name',
    );
    expect(invalidOptionMessage({ handlers: { x: 'not a function' } })).toBe(
      'createToolDispatcher: handlers.x: must be a function',
    );
    expect(invalidOptionMessage({ interceptors: [{}] })).toContain('interceptors.0: must be an interceptor');
    expect(invalidOptionMessage({ tools: [{ definition }] })).toContain('tools.0.handler');
    expect(invalidOptionMessage({ clientTools: [{ ...definition, input_schema: [] }] })).toContain(
      'clientTools.0.input_schema',
    );
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

  it('applies defaults and keeps a plain handler with its separate definition', () => {
    const approvedToolTypes = new Set<string>();
    const resolved = resolveToolDispatcherOptions({
      handlers: { greet: () => 'hello' },
      definitions: [definition],
      approvedToolTypes,
    });
    expect([...resolved.handlers.keys()]).toEqual(['greet']);
    expect(resolved.definitions).toEqual([definition]);
    expect(resolved.approvalTimeoutMs).toBe(DEFAULT_APPROVAL_TIMEOUT_MS);
    expect(resolved.approvedToolTypes).toBe(approvedToolTypes);
    expect(resolved.needsApproval('greet', {}, '')).toBe(false);
  });

  it('keeps extra fields of a definition and rejects a local tool that is also client-side', () => {
    const resolved = resolveToolDispatcherOptions({ definitions: [{ ...definition, idempotent: true }] });
    expect(resolved.definitions).toEqual([{ ...definition, idempotent: true }]);
    expect(invalidOptionMessage({ handlers: { greet: () => 'hi' }, clientTools: [definition] })).toContain(
      "tool 'greet' cannot be both local and client-side",
    );
  });
});
