import { clientToolsFrom } from './helpers/tools-from.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../src/core/tool.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader, eventsOf, readAllSseFrames, textOf } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const confirmDefinition: ToolDefinition = {
  name: 'confirm',
  description: 'Asks the user to confirm in the browser',
  input_schema: { type: 'object', properties: {} },
};

describe('one chat stream per session', () => {
  it('answers 409 to a second stream while the first runs, and serves again once it ended', async () => {
    // The first chat waits for a client-side tool, so it stays open exactly as long as the test wants.
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('confirm', {}, { id: 'toolu_hold' }),
        textTurn('Confirmed.'),
        textTurn('Second chat.'),
      ],
      agent: { tools: [...clientToolsFrom([confirmDefinition])] },
    });
    const session = await gateway.openSession();
    const first = createSseReader(await gateway.chat(session.token, 'first'));
    const asked = await first.nextOfType('tool_call_start');

    const second = await gateway.chat(session.token, 'second');
    expect(second.status).toBe(409);
    expect(await jsonOf(second)).toEqual({ detail: 'A chat stream is already active for this session' });

    const answer = await gateway.post(
      '/chat/tool-result',
      { tool_call_id: asked.tool_call_id, nonce: asked.nonce, result: { confirmed: true } },
      { token: session.token },
    );
    expect(answer.status).toBe(200);
    const rest = await first.rest();
    expect(eventsOf(rest).at(-1)?.type).toBe('stream_complete');

    const third = await gateway.chat(session.token, 'third');
    expect(third.status).toBe(200);
    expect(textOf(await readAllSseFrames(third))).toBe('Second chat.');
    upstream.assertAllConsumed();
  });

  it('accepts exactly one of two chats started at the same time', async () => {
    // The accepted chat waits for a client-side tool: it is still running when the other one is
    // answered, however long a loaded machine takes to read the two requests. (With a one-token
    // answer the first could finish first, and the second then rightly waits for it and runs.)
    const { upstream, gateway } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('confirm', {}, { id: 'toolu_race' })],
      agent: { tools: [...clientToolsFrom([confirmDefinition])] },
    });
    const session = await gateway.openSession();
    const responses = await Promise.all([gateway.chat(session.token, 'a'), gateway.chat(session.token, 'b')]);

    expect(responses.map((response) => response.status).sort()).toEqual([200, 409]);
    const accepted = responses.find((response) => response.status === 200);
    const refused = responses.find((response) => response.status === 409);
    expect(refused === undefined ? undefined : await jsonOf(refused)).toEqual({
      detail: 'A chat stream is already active for this session',
    });
    if (accepted === undefined) throw new Error('no chat was accepted');
    const reader = createSseReader(accepted);
    expect((await reader.nextOfType('tool_call_start')).tool_call_id).toBe('toolu_race');
    await reader.cancel();
    upstream.assertAllConsumed();
  });

  it('lets another session chat while one session streams', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('confirm', {}, { id: 'toolu_hold_2' }),
        textTurn('Other session.'),
        textTurn('Done.'),
      ],
      agent: { tools: [...clientToolsFrom([confirmDefinition])] },
    });
    const busy = await gateway.openSession('key-a');
    const free = await gateway.openSession('key-b');
    const first = createSseReader(await gateway.chat(busy.token, 'hold'));
    const asked = await first.nextOfType('tool_call_start');

    const other = await gateway.chat(free.token, 'hello');
    expect(other.status).toBe(200);
    expect(textOf(await readAllSseFrames(other))).toBe('Other session.');

    await gateway.post(
      '/chat/tool-result',
      { tool_call_id: asked.tool_call_id, nonce: asked.nonce, result: {} },
      { token: busy.token },
    );
    expect(eventsOf(await first.rest()).at(-1)?.type).toBe('stream_complete');
  });

  it('releases the lock when building the runtime fails', async () => {
    const { upstream, gateway } = await startMockAgent(cleanup, { turns: [textTurn('Valid model.')] });
    const session = await gateway.openSession();
    const refused = await gateway.chat(session.token, {
      messages: [{ role: 'user', content: 'x' }],
      model: 'gpt-unknown',
    });
    expect(refused.status).toBe(400);
    const accepted = await gateway.chat(session.token, 'y');
    expect(accepted.status).toBe(200);
    expect(textOf(await readAllSseFrames(accepted))).toBe('Valid model.');
    upstream.assertAllConsumed();
  });
});
