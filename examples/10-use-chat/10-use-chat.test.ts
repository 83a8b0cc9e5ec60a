import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isToolUIPart } from 'ai';
import { build } from 'vite';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createMockUpstream,
  textTurn,
  toolCallTurn,
  type MockUpstream,
  type ScriptedTurn,
} from 'ai-agent-gateway/testing';
import { waitFor } from '../../test/helpers/wait-for.js';
import {
  clearProviderEnvironment,
  openSession,
  serveExample,
  type ServedExample,
} from '../__fixtures__/example-harness.js';
import {
  createGatewayChat,
  type browserTime,
  type GatewayChat,
  type GatewayMessage,
} from './web/src/gateway-chat.js';
import { cancelRun } from './web/src/gateway-session.js';

const webRoot = fileURLToPath(new URL('./web/', import.meta.url));

describe('example 10-use-chat: the page', () => {
  let outDir = '';
  afterEach(async () => {
    vi.unstubAllEnvs();
    await rm(outDir, { recursive: true, force: true });
  });

  it('builds with Vite into an index.html and the script bundle it loads', async () => {
    outDir = await mkdtemp(join(tmpdir(), 'example-10-build-'));
    vi.stubEnv('NODE_ENV', 'production'); // vitest sets "test"; a build is for production

    await build({
      root: webRoot,
      configFile: join(webRoot, 'vite.config.ts'),
      logLevel: 'silent',
      build: { outDir, emptyOutDir: true },
    });

    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    const script = /<script type="module"[^>]* src="\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(await readdir(join(outDir, 'assets'))).toContain(script?.slice('assets/'.length));
    const bundle = await readFile(join(outDir, script ?? ''), 'utf8');
    for (const used of ['/chat/init', '/ui/chat', '/chat/cancel', 'get_browser_time']) {
      expect(bundle).toContain(used);
    }
  }, 180_000);
});

/** One part of a message. */
type Part = GatewayMessage['parts'][number];

/** The parts of the chat's last message. */
const lastParts = (gateway: GatewayChat): Part[] => gateway.chat.messages.at(-1)?.parts ?? [];

/** The tool part of the last message for `toolCallId`. */
const toolPart = (gateway: GatewayChat, toolCallId: string): Part | undefined =>
  lastParts(gateway).find((part) => isToolUIPart(part) && part.toolCallId === toolCallId);

/** The approval id of a part waiting for approval. */
const approvalIdOf = (part: Part | undefined): string => {
  if (part === undefined || !isToolUIPart(part) || part.state !== 'approval-requested') {
    throw new Error(`not waiting for approval: ${JSON.stringify(part)}`);
  }
  return part.approval.id;
};

describe('example 10-use-chat: the chat the page runs, against agent.ts', () => {
  let served: ServedExample | undefined;
  let upstream: MockUpstream | undefined;
  let apiBase = '';
  let token = '';
  /** Responses ended so far, across the chats made by `pageChat`. */
  let finished = 0;

  beforeEach(() => {
    clearProviderEnvironment();
    vi.resetModules(); // a fresh agent.ts: empty to-do lists
    finished = 0;
  });

  afterEach(async () => {
    await served?.close();
    await upstream?.close();
    served = undefined;
    upstream = undefined;
    vi.unstubAllEnvs();
  });

  /** Serves agent.ts against a mock Anthropic API scripted with `turns`, and opens a session. */
  const serve = async (turns: ScriptedTurn[]): Promise<MockUpstream> => {
    upstream = await createMockUpstream({ anthropic: turns });
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const { default: app } = await import('./agent.js');
    served = await serveExample(app);
    apiBase = `${served.url}/api`;
    token = await openSession(served.url);
    return upstream;
  };

  /** The chat exactly as the page builds it (a reload passes the saved messages back in). */
  const pageChat = (messages?: GatewayMessage[]): GatewayChat => {
    return createGatewayChat({
      apiBase,
      token,
      id: 'chat_page',
      ...(messages === undefined ? {} : { messages }),
      onFinish: () => {
        finished += 1;
      },
    });
  };

  /** useChat shows `error` and `status` from the chat's state; the tests read the same state. */
  const expectNoError = (gateway: GatewayChat): void => {
    expect(gateway.chat.error).toBeUndefined();
    expect(gateway.chat.status).toBe('ready');
  };

  const untilFinished = (count: number): Promise<true> =>
    waitFor(() => (finished >= count ? true : undefined), { description: `${count} finished responses` });

  it('shows a server tool call, the answer, and the usage in the message metadata', async () => {
    await serve([
      toolCallTurn('list_todos', {}, { id: 'toolu_l1', usage: { inputTokens: 20, outputTokens: 5 } }),
      textTurn('Your list is empty.', { usage: { inputTokens: 30, outputTokens: 7 } }),
    ]);
    const gateway = pageChat();

    await gateway.chat.sendMessage({ text: 'What is on my list?' });

    expectNoError(gateway);
    expect(toolPart(gateway, 'toolu_l1')).toMatchObject({
      type: 'tool-list_todos',
      state: 'output-available',
      output: { todos: [] },
    });
    expect(lastParts(gateway).at(-1)).toMatchObject({ type: 'text', text: 'Your list is empty.' });
    // Checked against gatewayMetadataSchema by the chat as it arrived.
    expect(gateway.chat.messages.at(-1)?.metadata?.usage).toMatchObject({
      inputTokens: 50,
      outputTokens: 12,
    });
  });

  it('adds a to-do only once approved, and "Always allow" lets the next add_todo through unasked', async () => {
    await serve([
      toolCallTurn('add_todo', { text: 'buy milk' }, { id: 'toolu_a1' }),
      textTurn('Added.'),
      toolCallTurn('add_todo', { text: 'call mom' }, { id: 'toolu_a2' }),
      toolCallTurn('list_todos', {}, { id: 'toolu_l2' }),
      textTurn('You have two items.'),
    ]);
    const gateway = pageChat();
    await gateway.chat.sendMessage({ text: 'Add buy milk' });
    const approvalId = approvalIdOf(toolPart(gateway, 'toolu_a1'));

    await gateway.answerApproval(approvalId, true, { always: true });
    await untilFinished(2);

    expectNoError(gateway);
    expect(toolPart(gateway, 'toolu_a1')).toMatchObject({
      state: 'output-available',
      output: { added: 'buy milk', count: 1 },
    });
    expect(gateway.chat.messages).toHaveLength(2);

    await gateway.chat.sendMessage({ text: 'Add call mom, then show me the list' });

    expectNoError(gateway);
    expect(finished).toBe(3); // no approval stopped this answer
    expect(toolPart(gateway, 'toolu_a2')).toMatchObject({
      state: 'output-available',
      output: { added: 'call mom', count: 2 },
    });
    expect(toolPart(gateway, 'toolu_l2')).toMatchObject({ output: { todos: ['buy milk', 'call mom'] } });
    expect(lastParts(gateway).at(-1)).toMatchObject({ type: 'text', text: 'You have two items.' });
  });

  it('shows a denied add_todo as output-denied and adds nothing', async () => {
    await serve([
      toolCallTurn('add_todo', { text: 'buy milk' }, { id: 'toolu_a3' }),
      toolCallTurn('list_todos', {}, { id: 'toolu_l3' }),
      textTurn('Fine, I left the list alone.'),
    ]);
    const gateway = pageChat();
    await gateway.chat.sendMessage({ text: 'Add buy milk' });

    await gateway.answerApproval(approvalIdOf(toolPart(gateway, 'toolu_a3')), false);
    await untilFinished(2);

    expectNoError(gateway);
    expect(toolPart(gateway, 'toolu_a3')).toMatchObject({ state: 'output-denied' });
    expect(toolPart(gateway, 'toolu_l3')).toMatchObject({ output: { todos: [] } });
    expect(lastParts(gateway).at(-1)).toMatchObject({ text: 'Fine, I left the list alone.' });
  });

  it('answers get_browser_time in the client, and the model reads that answer', async () => {
    const mock = await serve([
      toolCallTurn('get_browser_time', {}, { id: 'toolu_t1' }),
      textTurn('It is late where you are.'),
    ]);
    const gateway = pageChat();

    await gateway.chat.sendMessage({ text: 'What time is it here?' });
    await untilFinished(2);

    expectNoError(gateway);
    const part = toolPart(gateway, 'toolu_t1');
    expect(part).toMatchObject({ state: 'output-available' });
    const output = (part !== undefined && isToolUIPart(part) ? part.output : {}) as Partial<
      ReturnType<typeof browserTime>
    >;
    expect(Number.isNaN(Date.parse(output.iso ?? ''))).toBe(false);
    expect(output.timeZone).not.toBe('');
    const sentToModel = JSON.stringify(mock.requests.at(-1)?.body);
    expect(sentToModel).toContain(output.iso);
    expect(sentToModel).toContain(output.timeZone);
    expect(lastParts(gateway).at(-1)).toMatchObject({ text: 'It is late where you are.' });
  });

  it('after a reload, resumes the answer waiting for approval and continues it once approved', async () => {
    await serve([toolCallTurn('add_todo', { text: 'buy milk' }, { id: 'toolu_r1' }), textTurn('Added.')]);
    const before = pageChat();
    await before.chat.sendMessage({ text: 'Add buy milk' });
    const saved = structuredClone(before.chat.messages); // what the page kept in sessionStorage

    const reloaded = pageChat(saved);
    await reloaded.chat.resumeStream(); // useChat({ resume: true }) does this on mount

    expectNoError(reloaded);
    expect(reloaded.chat.messages.map((message) => message.id)).toEqual(saved.map((message) => message.id));
    await reloaded.answerApproval(approvalIdOf(toolPart(reloaded, 'toolu_r1')), true);
    await untilFinished(3);

    expectNoError(reloaded);
    expect(reloaded.chat.messages).toHaveLength(2);
    expect(toolPart(reloaded, 'toolu_r1')).toMatchObject({ output: { added: 'buy milk', count: 1 } });
    expect(lastParts(reloaded).at(-1)).toMatchObject({ type: 'text', text: 'Added.' });
  });

  it('Stop cancels the run on the server, not only the connection', async () => {
    const answer = 'This answer is long and slow, and the Stop button cuts it short well before its end.';
    const mock = await serve([textTurn(answer, { eventDelayMs: 50 })]);
    const gateway = pageChat();
    const sent = gateway.chat.sendMessage({ text: 'Talk slowly' });
    const answerText = (): string => {
      const last = gateway.chat.messages.at(-1);
      const text = last?.role === 'assistant' ? last.parts.find((part) => part.type === 'text') : undefined;
      return text?.type === 'text' ? text.text : '';
    };
    await waitFor(() => (answerText() !== '' ? true : undefined), { description: 'the first words' });

    expect(await gateway.stop()).toBe(true);
    await sent;

    expect(gateway.chat.status).toBe('ready');
    expect(answerText().length).toBeGreaterThan(0);
    expect(answerText().length).toBeLessThan(answer.length);
    expect(await cancelRun(apiBase, token)).toBe(false); // nothing left to cancel
    const resumed = await fetch(`${apiBase}/ui/chat/chat_page/stream`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(resumed.status).toBe(204);
    await waitFor(() => (mock.requests[0]?.clientAborted === true ? true : undefined), {
      description: 'the upstream request aborted',
    });
  });
});
