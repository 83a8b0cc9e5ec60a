import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../core/errors.js';
import type { InterceptContext } from '../../core/interceptor.js';
import { createToolDenyList } from './create-tool-deny-list.js';

function contextFor(toolName: string): InterceptContext {
  return { toolCallId: 'call_1', toolName, toolInput: {}, sessionId: 'session_1' };
}

describe('createToolDenyList', () => {
  const signal = new AbortController().signal;

  it('denies a listed tool with code tool_denied', async () => {
    const denyList = createToolDenyList({ deny: ['shell', 'delete_file'] });
    expect(await denyList.intercept(contextFor('shell'), signal)).toEqual({
      action: 'deny',
      code: 'tool_denied',
      message: "Tool 'shell' is not allowed by policy",
    });
  });

  it('allows tools that are not listed, matching names exactly', async () => {
    const denyList = createToolDenyList({ deny: ['shell'] });
    expect(await denyList.intercept(contextFor('shell_status'), signal)).toEqual({ action: 'allow' });
  });

  it('uses a custom message and is marked critical', async () => {
    const denyList = createToolDenyList({ deny: ['shell'], message: 'No shells here' });
    expect(denyList.critical).toBe(true);
    expect(await denyList.intercept(contextFor('shell'), signal)).toMatchObject({
      message: 'No shells here',
    });
  });

  it('rejects a deny option that is not a list of names', () => {
    let thrown: unknown;
    try {
      createToolDenyList({ deny: 'shell' as unknown as string[] });
    } catch (error) {
      thrown = error;
    }
    expect(isGatewayError(thrown, 'invalid_option')).toBe(true);
    expect((thrown as Error).message).toMatch(/deny/);
    expect(() => createToolDenyList({ deny: ['shell', ''] })).toThrow(
      /^createToolDenyList: deny\.1: Too small/,
    );
  });

  it('suggests the closest name for an unknown option', () => {
    expect(() => createToolDenyList({ deny: ['shell'], mesage: 'no' } as never)).toThrow(
      "createToolDenyList: unknown option 'mesage' — did you mean 'message'?",
    );
  });
});
