import { classifyInboundRequest } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createModernToolCallRecognizer } from './modern-tool-call-request.js';

const HEADERS = {
  accept: 'application/json, text/event-stream',
  'content-type': 'application/json',
  'mcp-method': 'tools/call',
  'mcp-name': 'ask_agent',
  'mcp-protocol-version': '2026-07-28',
};

const META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'client', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': { elicitation: { form: {} } },
  progressToken: 3,
};

/** What the SDK v2 client pinned to 2026-07-28 sends for `callTool`. */
const hotBody = () => ({
  method: 'tools/call',
  params: { name: 'ask_agent', arguments: { message: 'Hi' }, _meta: { ...META } },
  jsonrpc: '2.0',
  id: 0,
});

const requestOf = (headers: Record<string, string> = HEADERS): Request =>
  new Request('http://127.0.0.1/mcp', { method: 'POST', headers });

const recognize = createModernToolCallRecognizer('ask_agent');

describe('recognising the hot 2026-07-28 tools/call', () => {
  it('takes what the SDK v2 client sends, which the SDK classifies as modern too', () => {
    const body = hotBody();
    expect(recognize(requestOf(), body)).toEqual({
      id: 0,
      progressToken: 3,
      input: { message: 'Hi', threadId: undefined },
      canElicit: true,
      retry: undefined,
    });
    const classified = classifyInboundRequest({
      httpMethod: 'POST',
      protocolVersionHeader: '2026-07-28',
      mcpMethodHeader: 'tools/call',
      mcpNameHeader: 'ask_agent',
      body,
    });
    expect(classified.kind).toBe('modern');
  });

  it('takes a retry carrying a request state and one approval answer', () => {
    const body = hotBody();
    const params = {
      ...body.params,
      requestState: 'v1.x.y',
      inputResponses: { approval: { action: 'accept', content: { approved: true } } },
    };
    expect(recognize(requestOf(), { ...body, params })?.retry).toEqual({
      requestState: 'v1.x.y',
      inputResponses: params.inputResponses,
    });
  });

  const headerCases: Array<[string, Record<string, string>]> = [
    ['another method header', { ...HEADERS, 'mcp-method': 'tools/list' }],
    ['another tool in Mcp-Name', { ...HEADERS, 'mcp-name': 'other' }],
    ['a Base64 Mcp-Name', { ...HEADERS, 'mcp-name': '=?base64?YXNrX2FnZW50?=' }],
    ['an older protocol version header', { ...HEADERS, 'mcp-protocol-version': '2025-11-25' }],
    ['a JSON-only Accept', { ...HEADERS, accept: 'application/json' }],
    ['a non-JSON body type', { ...HEADERS, 'content-type': 'text/plain' }],
  ];
  it.each(headerCases)('leaves %s to the SDK', (_name, headers) => {
    expect(recognize(requestOf(headers), hotBody())).toBeUndefined();
  });

  it('leaves a request without Mcp-Name to the SDK', () => {
    const { 'mcp-name': _name, ...headers } = HEADERS;
    expect(recognize(requestOf(headers), hotBody())).toBeUndefined();
  });

  const bodyCases: Array<[string, (body: ReturnType<typeof hotBody>) => unknown]> = [
    ['another tool', (body) => ({ ...body, params: { ...body.params, name: 'other' } })],
    ['another method', (body) => ({ ...body, method: 'tools/list' })],
    ['a task-augmented call', (body) => ({ ...body, params: { ...body.params, task: { ttl: 1 } } })],
    [
      'a foreign _meta key',
      (body) => ({ ...body, params: { ...body.params, _meta: { ...META, trace: 'x' } } }),
    ],
    [
      'a log level',
      (body) => ({
        ...body,
        params: { ...body.params, _meta: { ...META, 'io.modelcontextprotocol/logLevel': 'info' } },
      }),
    ],
    [
      'another protocol version in _meta',
      (body) => ({
        ...body,
        params: {
          ...body.params,
          _meta: { ...META, 'io.modelcontextprotocol/protocolVersion': '2026-01-01' },
        },
      }),
    ],
    [
      'malformed capabilities',
      (body) => ({
        ...body,
        params: {
          ...body.params,
          _meta: { ...META, 'io.modelcontextprotocol/clientCapabilities': { elicitation: 5 } },
        },
      }),
    ],
    [
      'no capabilities',
      (body) => {
        const { 'io.modelcontextprotocol/clientCapabilities': _capabilities, ...meta } = META;
        return { ...body, params: { ...body.params, _meta: meta } };
      },
    ],
    ['no envelope', (body) => ({ ...body, params: { name: 'ask_agent', arguments: { message: 'Hi' } } })],
    [
      'a fractional progress token',
      (body) => ({ ...body, params: { ...body.params, _meta: { ...META, progressToken: 1.5 } } }),
    ],
    ['a fractional id', (body) => ({ ...body, id: 0.5 })],
    ['an empty message', (body) => ({ ...body, params: { ...body.params, arguments: { message: '' } } })],
    [
      'a request state without answers',
      (body) => ({ ...body, params: { ...body.params, requestState: 'v1.x.y' } }),
    ],
    [
      'two answers',
      (body) => ({
        ...body,
        params: {
          ...body.params,
          requestState: 'v1.x.y',
          inputResponses: { approval: { action: 'accept' }, other: { action: 'accept' } },
        },
      }),
    ],
    [
      'an answer of another kind',
      (body) => ({
        ...body,
        params: { ...body.params, requestState: 'v1.x.y', inputResponses: { approval: { action: 'maybe' } } },
      }),
    ],
  ];
  it.each(bodyCases)('leaves %s to the SDK', (_name, change) => {
    expect(recognize(requestOf(), change(hotBody()))).toBeUndefined();
  });

  it('keeps its verdict on an envelope (valid or not) for the next request', () => {
    const recognizeOnce = createModernToolCallRecognizer('ask_agent');
    const bad = (body: ReturnType<typeof hotBody>) => ({
      ...body,
      params: { ...body.params, _meta: { ...META, 'io.modelcontextprotocol/clientInfo': { name: 1 } } },
    });
    expect(recognizeOnce(requestOf(), bad(hotBody()))).toBeUndefined();
    expect(recognizeOnce(requestOf(), bad(hotBody()))).toBeUndefined();
    expect(recognizeOnce(requestOf(), hotBody())).toBeDefined();
    expect(recognizeOnce(requestOf(), hotBody())).toBeDefined();
  });
});
