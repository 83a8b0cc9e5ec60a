import { describe, expect, it } from 'vitest';
import { createJsonLineLogger } from '../src/agent/json-line-logger.js';
import { buildStatePayload } from '../src/headless/state/build-state-payload.js';
import { createDemoProvider } from '../src/providers/demo/demo-provider.js';
import { createMemoryStores } from '../src/stores/memory/create-memory-stores.js';
import { createMemoryRateLimiter } from '../src/stores/memory/memory-rate-limiter.js';
import { createTestClient } from '../src/testing/create-test-client.js';
import { loadAgentForTest } from '../src/testing/load-agent-for-test.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';

/** Calls made with the mistakes an upgrading user makes, and the message each must carry. */
const mistakes: Array<[string, () => unknown, RegExp]> = [
  [
    'createJsonLineLogger',
    () => createJsonLineLogger({ levle: 'info' } as never),
    /^createJsonLineLogger: unknown option 'levle' — did you mean 'level'\?/,
  ],
  [
    'createJsonLineLogger',
    () => createJsonLineLogger({ level: 'verbose' } as never),
    /^createJsonLineLogger: level: /,
  ],
  [
    'createMemoryRateLimiter',
    () => createMemoryRateLimiter({ limit: 5, windowSeconds: 1 } as never),
    /^createMemoryRateLimiter: .*windowMs/,
  ],
  [
    'createMemoryStores',
    () => createMemoryStores({ onBusError: () => {} } as never),
    /^createMemoryStores: unknown option 'onBusError'/,
  ],
  ['buildStatePayload', () => buildStatePayload({} as never), /^buildStatePayload: .*previousState/],
  [
    'createScriptedProvider',
    () => createScriptedProvider({ turn: [] } as never),
    /^createScriptedProvider: unknown option 'turn' — did you mean 'turns'\?/,
  ],
  ['createDemoProvider', () => createDemoProvider({ delayMs: -1 }), /^createDemoProvider: delayMs: /],
  [
    'createTestClient',
    () => createTestClient({ fetch: () => Promise.resolve(new Response()) }, { prefx: '/v1' } as never),
    /^createTestClient: .*prefx/,
  ],
  [
    'createTestClient',
    () => createTestClient({} as never),
    /^createTestClient: app: must be an app with fetch\(request\)/,
  ],
];

describe('public functions check their options with the same machinery', () => {
  it.each(mistakes)('%s names what is wrong with its options', (_name, call, message) => {
    expect(call).toThrow(message);
  });

  it('createMockUpstream names a misspelt script', async () => {
    await expect(createMockUpstream({ antropic: [] } as never)).rejects.toThrow(
      /^createMockUpstream: unknown option 'antropic' — did you mean 'anthropic'\?/,
    );
  });

  it('loadAgentForTest says what plays the model', async () => {
    await expect(loadAgentForTest('agent.ts', {} as never)).rejects.toThrow(
      /^loadAgentForTest: model: must be \{ provider \}/,
    );
  });
});
