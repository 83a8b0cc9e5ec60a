import { describe, expect, it } from 'vitest';
import { HttpError } from '../../core/http-error.js';
import { parseBody } from './parse-body.js';
import { ChatBody, ChatInitBody, ToolApprovalBody, ToolResultBody } from '../contracts/request-schemas.js';

function validationError(run: () => unknown): HttpError {
  try {
    run();
  } catch (error) {
    if (error instanceof HttpError) return error;
    throw error;
  }
  throw new Error('expected parseBody to throw');
}

describe('parseBody', () => {
  it('returns the parsed value with defaults applied', () => {
    expect(parseBody(ChatBody, { messages: [{ role: 'user', content: 'hi' }] })).toEqual({
      messages: [{ role: 'user', content: 'hi' }],
      context: {},
    });
    expect(
      parseBody(ToolApprovalBody, { tool_call_id: 'call_1', nonce: 'n', approved: true, extra: 1 }),
    ).toEqual({ tool_call_id: 'call_1', nonce: 'n', approved: true, allow_tool_type: false });
    expect(parseBody(ToolResultBody, { tool_call_id: 'call_1', nonce: 'n', result: { ok: 1 } })).toEqual({
      tool_call_id: 'call_1',
      nonce: 'n',
      result: { ok: 1 },
      error: null,
    });
  });

  it('answers 422 naming a missing field', () => {
    const error = validationError(() => parseBody(ChatInitBody, {}));
    expect(error.status).toBe(422);
    expect(error.body).toEqual({
      detail: [{ loc: ['body', 'api_key'], msg: 'Field required', type: 'missing' }],
    });
  });

  it('names an unknown field next to the missing one it was probably meant to be', () => {
    const error = validationError(() => parseBody(ChatBody, { message: 'hi' }));
    expect(error.body).toEqual({
      detail: [
        { loc: ['body', 'messages'], msg: 'Field required', type: 'missing' },
        {
          loc: ['body', 'message'],
          msg: "Unknown field 'message' (did you mean 'messages'?)",
          type: 'extra_forbidden',
        },
      ],
    });
  });

  it('answers 422 for an empty api_key', () => {
    const error = validationError(() => parseBody(ChatInitBody, { api_key: '' }));
    expect(error.body).toEqual({
      detail: [
        {
          loc: ['body', 'api_key'],
          msg: 'String should have at least 1 character',
          type: 'string_too_short',
        },
      ],
    });
  });

  it('names nested fields with their index', () => {
    const error = validationError(() =>
      parseBody(ChatBody, {
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 7 },
        ],
      }),
    );
    expect(error.body).toEqual({
      detail: [
        {
          loc: ['body', 'messages', 1, 'content'],
          msg: 'Input should be a valid string',
          type: 'string_type',
        },
      ],
    });
  });

  it('reports every wrong field at once', () => {
    const error = validationError(() =>
      parseBody(ToolResultBody, { tool_call_id: 'call_1', nonce: 5, result: 'text', error: null }),
    );
    const detail = error.body['detail'];
    expect(Array.isArray(detail) ? detail.map((entry: { loc: unknown }) => entry.loc) : detail).toEqual([
      ['body', 'nonce'],
      ['body', 'result'],
    ]);
  });

  it('answers 422 at the body itself when the body is not an object', () => {
    const error = validationError(() => parseBody(ToolApprovalBody, ['not', 'an', 'object']));
    expect(error.body).toEqual({
      detail: [
        {
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
          type: 'model_attributes_type',
        },
      ],
    });
  });
});
