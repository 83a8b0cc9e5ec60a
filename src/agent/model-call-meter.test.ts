import { describe, expect, it } from 'vitest';
import { approximateJsonBytes } from '../core/approximate-json-bytes.js';
import type { MeteredCall } from './model-call-meter.js';
import { estimateInputTokens } from './model-call-meter.js';

type Request = Pick<MeteredCall['request'], 'system' | 'messages' | 'tools'>;

/** The estimate as a walk of the whole request object counts it. */
const walked = (request: Request): number =>
  Math.ceil(
    approximateJsonBytes({ system: request.system, messages: request.messages, tools: request.tools }) / 4,
  );

describe('estimateInputTokens', () => {
  it('counts what a walk of the whole request counts, whatever the request holds', () => {
    const requests: Request[] = [
      { system: undefined, messages: [], tools: [] },
      { system: 'You are terse.', messages: [{ role: 'user', content: 'hello' }], tools: [] },
      {
        system: 'sys',
        messages: [
          { role: 'user', content: 'question' },
          { role: 'assistant', content: [{ type: 'text', text: 'an answer' }] },
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 't1', name: 'lookup', input: { query: 'x', limit: 3 } }],
          },
          {
            role: 'user',
            content: [{ type: 'tool_result', toolUseId: 't1', content: 'found', isError: false }],
          },
        ],
        tools: [
          {
            name: 'lookup',
            description: 'Looks a thing up',
            inputSchema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
          },
        ],
      },
    ] as Request[];
    for (const request of requests) expect(estimateInputTokens(request)).toBe(walked(request));
  });

  it('grows with the text sent: four bytes of JSON a token, rounded up', () => {
    const short = estimateInputTokens({ system: 's', messages: [{ role: 'user', content: 'a' }], tools: [] });
    const long = estimateInputTokens({
      system: 's',
      messages: [{ role: 'user', content: 'a'.repeat(4_001) }],
      tools: [],
    });
    expect(long - short).toBe(1_000);
  });
});
