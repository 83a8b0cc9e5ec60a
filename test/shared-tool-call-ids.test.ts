import { HttpAgent, type Message } from '@ag-ui/client';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent } from '../src/server/assembly/create-agent.js';
import type { ServerSpec } from '../src/server/contracts/server-spec.js';
import {
  createMockUpstream,
  type RecordedUpstreamRequest,
} from '../src/testing/mock-upstream/mock-upstream.js';
import type { MockTurn } from '../src/testing/mock-upstream/mock-turn.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { tool } from '../src/tools/define-tool.js';
import { chatWhenFree } from './helpers/chat-when-free.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startGatewayClient, type GatewayClient } from './helpers/gateway-client.js';
import { createSseReader, eventsOf, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { createUiChatClient } from './helpers/ui-chat-client.js';
import { redisUnavailableReason, startRedisServer } from './redis/helpers/start-redis-server.js';

/*
 * Tool call ids are the model server's choice, and OpenAI-compatible servers (Ollama, vLLM,
 * llama.cpp) reuse ids such as `call_0` in every conversation. Here one upstream gives every
 * session's call the id `call_0`: two sessions wait for an answer under that id at the same time, on
 * each protocol, with in-process stores and with Redis. Each must be answered by its own client
 * only, neither run may fail or hang, and the end of one run must leave the other's call alone.
 */

const SHARED_ID = 'call_0';
const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const textOfContent = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content
          .map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : ''))
          .join('')
      : '';

/**
 * The model: a user asking to delete a path gets a `delete_file` call, one asking the time a
 * `get_browser_time` call, always with the id `call_0`; a tool result is echoed back as text, so
 * each client can tell whose answer its run received.
 */
function respond(request: RecordedUpstreamRequest): MockTurn {
  const messages =
    isRecord(request.body) && Array.isArray(request.body['messages']) ? request.body['messages'] : [];
  const last: unknown = messages.at(-1);
  if (!isRecord(last)) return textTurn('Nothing to do.');
  const text = textOfContent(last['content']);
  if (last['role'] === 'tool') return textTurn(`Done: ${text}`);
  const deletion = /delete (\S+)/.exec(text);
  if (deletion?.[1] !== undefined)
    return toolCallTurn('delete_file', { path: deletion[1] }, { id: SHARED_ID });
  if (text.includes('time')) return toolCallTurn('get_browser_time', {}, { id: SHARED_ID });
  return textTurn('Hello again.');
}

interface SharedIdAgent {
  gateway: GatewayClient;
  deleted: string[];
}

async function startSharedIdAgent(server: ServerSpec): Promise<SharedIdAgent> {
  const upstream = cleanup.add(await createMockUpstream({ respond }), (started) => started.close());
  const deleted: string[] = [];
  const app = createAgent({
    systemPrompt: 'You delete files and read the browser clock.',
    provider: 'openai',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstream.openaiBaseURL },
    needsApproval: (toolName) => toolName === 'delete_file',
    tools: [
      tool({
        name: 'delete_file',
        description: 'Deletes a file',
        inputSchema: z.object({ path: z.string() }),
        execute: ({ path }) => {
          deleted.push(path);
          return { deleted: path };
        },
      }),
      tool({
        name: 'get_browser_time',
        description: 'The time in the browser',
        inputSchema: z.object({}),
        execute: 'client',
      }),
    ],
    server,
  });
  const gateway = cleanup.add(await startGatewayClient(app), (client) => client.close());
  return { gateway, deleted };
}

/** A pending answer of one session's run, and how its own client answers it. */
interface PendingAnswer {
  toolCallId: string;
  /** Answers the call (approve or deny; a client tool's `time`) and returns the run's last text. */
  answer(value: boolean | string): Promise<string>;
}

/** How a client of one protocol makes its run ask and answers it. */
interface ProtocolDriver {
  name: string;
  ask(gateway: GatewayClient, token: string, request: string): Promise<PendingAnswer>;
}

const native: ProtocolDriver = {
  name: 'the native API (/chat, /chat/tool-approval, /chat/tool-result)',
  async ask(gateway, token, request) {
    const reader = createSseReader(await gateway.chat(token, request));
    const frames = await reader.until(
      ({ event }) =>
        event.type === 'tool_approval_request' ||
        (event.type === 'tool_call_start' && event.execution_location === 'client'),
    );
    const asked = frames.at(-1)?.event;
    if (asked?.type !== 'tool_approval_request' && asked?.type !== 'tool_call_start') {
      throw new Error('no pending answer');
    }
    const nonce = asked.nonce ?? '';
    return {
      toolCallId: asked.tool_call_id,
      async answer(value) {
        const response =
          typeof value === 'boolean'
            ? await gateway.post(
                '/chat/tool-approval',
                { tool_call_id: asked.tool_call_id, nonce, approved: value },
                { token },
              )
            : await gateway.post(
                '/chat/tool-result',
                { tool_call_id: asked.tool_call_id, nonce, result: { time: value } },
                { token },
              );
        expect(response.status).toBe(200);
        await reader.rest();
        expect(eventsOf(reader.frames).at(-1)?.type).toBe('stream_complete');
        return textOf(reader.frames);
      },
    };
  },
};

const uiChat: ProtocolDriver = {
  name: 'the AI SDK UI route (/ui/chat)',
  async ask(gateway, token, request) {
    const calls: string[] = [];
    const client = createUiChatClient({
      baseUrl: gateway.baseUrl,
      token,
      onToolCall: ({ toolCall }) => void calls.push(toolCall.toolCallId),
    });
    await client.chat.sendMessage({ text: request });
    expect(client.errors).toEqual([]);
    const part = client.lastParts().find((candidate) => candidate.type.startsWith('tool-'));
    if (part === undefined || !('toolCallId' in part)) throw new Error('no pending answer');
    return {
      toolCallId: part.toolCallId,
      async answer(value) {
        if (typeof value === 'boolean') {
          const approvalId = 'approval' in part ? (part.approval?.id ?? '') : '';
          await client.chat.addToolApprovalResponse({ id: approvalId, approved: value });
        } else {
          expect(calls).toEqual([part.toolCallId]);
          await client.chat.addToolOutput({
            tool: 'get_browser_time',
            toolCallId: part.toolCallId,
            output: { time: value },
          });
        }
        await client.finishedTimes(2);
        expect(client.errors).toEqual([]);
        return client
          .lastParts()
          .map((candidate) => (candidate.type === 'text' ? candidate.text : ''))
          .join('');
      },
    };
  },
};

const lastAssistantText = (messages: readonly Message[]): string => {
  const found = messages.findLast(
    (message) => message.role === 'assistant' && typeof message.content === 'string',
  );
  return found?.role === 'assistant' ? (found.content ?? '') : '';
};

const agUi: ProtocolDriver = {
  name: 'AG-UI (/ag-ui)',
  async ask(gateway, token, request) {
    const agent = new HttpAgent({
      url: `${gateway.baseUrl}/ag-ui`,
      headers: { Authorization: `Bearer ${token}` },
    });
    const pending: string[] = [];
    agent.subscribe({
      onRunFinishedEvent: ({ event }) => {
        const outcome: unknown = Reflect.get(event, 'outcome');
        const ids: unknown = isRecord(outcome) ? outcome['pendingToolCallIds'] : undefined;
        if (Array.isArray(ids)) pending.push(...ids.filter((id): id is string => typeof id === 'string'));
      },
    });
    agent.addMessage({ id: crypto.randomUUID(), role: 'user', content: request });
    await agent.runAgent();
    const interrupt = agent.pendingInterrupts[0];
    const toolCallId = interrupt?.toolCallId ?? pending[0];
    if (toolCallId === undefined) throw new Error('no pending answer');
    return {
      toolCallId,
      async answer(value) {
        if (typeof value === 'boolean') {
          await agent.runAgent({
            resume: [{ interruptId: interrupt?.id ?? '', status: 'resolved', payload: { approved: value } }],
          });
        } else {
          agent.addMessage({
            id: crypto.randomUUID(),
            role: 'tool',
            toolCallId,
            content: JSON.stringify({ time: value }),
          });
          await agent.runAgent();
        }
        return lastAssistantText(agent.messages);
      },
    };
  },
};

/** Waits until the session can chat again (its run has ended and let go of everything). */
async function waitUntilFree(gateway: GatewayClient, token: string): Promise<void> {
  const frames = await readAllSseFrames(await chatWhenFree(gateway, token, 'hello'));
  expect(eventsOf(frames).at(-1)?.type).toBe('stream_complete');
}

const redisSkip = redisUnavailableReason();
const modes = [
  { name: 'in-process stores', redis: false },
  { name: 'Redis', redis: true },
];

describe.each(modes)('two sessions whose model reuses the tool call id call_0, with $name', (mode) => {
  if (mode.redis && redisSkip !== undefined) {
    it.skip(redisSkip, () => undefined);
    return;
  }
  let redisUrl = '';
  let stopRedis: () => Promise<void> = () => Promise.resolve();
  beforeAll(async () => {
    if (!mode.redis) return;
    const redis = await startRedisServer();
    redisUrl = redis.url;
    stopRedis = () => redis.stop();
  });
  afterAll(() => stopRedis());

  const serverSpec = (): ServerSpec =>
    mode.redis ? { store: { redis: redisUrl, keyPrefix: `ids${randomBytes(4).toString('hex')}:` } } : {};

  describe.each([native, uiChat, agUi])('on $name', (driver) => {
    it('asks for an approval for each, and each run gets only its own decision, after the other run ended', async () => {
      const { gateway, deleted } = await startSharedIdAgent(serverSpec());
      const first = await gateway.openSession();
      const second = await gateway.openSession();

      const firstCall = await driver.ask(gateway, first.token, 'Please delete /tmp/first');
      const secondCall = await driver.ask(gateway, second.token, 'Please delete /tmp/second');
      expect([firstCall.toolCallId, secondCall.toolCallId]).toEqual([SHARED_ID, SHARED_ID]);

      expect(await secondCall.answer(true)).toContain('/tmp/second');
      expect(deleted).toEqual(['/tmp/second']);
      await waitUntilFree(gateway, second.token);

      // The second run ended: the first session's call still waits, and only for its own client.
      expect(await firstCall.answer(false)).toContain('user_denied');
      expect(deleted).toEqual(['/tmp/second']);
    });

    it('asks for a client-side tool result for each, and each run reads only its own result, after the other run ended', async () => {
      const { gateway } = await startSharedIdAgent(serverSpec());
      const first = await gateway.openSession();
      const second = await gateway.openSession();

      const firstCall = await driver.ask(gateway, first.token, 'What time is it here?');
      const secondCall = await driver.ask(gateway, second.token, 'What time is it where I am?');
      expect([firstCall.toolCallId, secondCall.toolCallId]).toEqual([SHARED_ID, SHARED_ID]);

      const secondText = await secondCall.answer('second-clock');
      expect(secondText).toContain('second-clock');
      await waitUntilFree(gateway, second.token);

      const firstText = await firstCall.answer('first-clock');
      expect(firstText).toContain('first-clock');
      expect(firstText).not.toContain('second-clock');
    });
  });
});
