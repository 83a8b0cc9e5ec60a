import { expect } from 'vitest';
import { newRunId } from '../../../src/stores/new-run-id.js';
import { textTurn, toolCallTurn } from '../../../src/testing/scripted-turn.js';
import { jsonOf, type GatewayClient } from '../../helpers/gateway-client.js';
import { createSseReader, textOf, type SseReader } from '../../helpers/sse-reader.js';
import { waitFor } from '../../helpers/wait-for.js';

/** The id the tests force runs to draw. */
export const TAKEN = 'c0111de0c0111de0c0111de0c0111de0c011';

/**
 * A generator for `server.drawRunId` (shared by both instances of this process): draws the ids
 * `force` queued, in order, then random ones. `drawn` lists every id drawn.
 */
export function forcedIds(...initially: string[]): {
  draw: () => string;
  drawn: string[];
  force: (...ids: string[]) => void;
} {
  const drawn: string[] = [];
  const forced = [...initially];
  return {
    drawn,
    force: (...ids) => forced.push(...ids),
    draw: () => {
      const id = forced.shift() ?? newRunId();
      drawn.push(id);
      return id;
    },
  };
}

/** A chat on `thread` whose run waits for approval of `delete_file`: it stays live. */
export async function waitingChat(gateway: GatewayClient, token: string, thread: string) {
  const stream = createSseReader(
    await gateway.chat(token, { messages: [{ role: 'user', content: 'delete /tmp/t' }], thread_id: thread }),
  );
  const approval = await stream.nextOfType('tool_approval_request');
  const runId = stream.frames.at(-1)?.runId;
  return { stream, approval, runId };
}

/** Approves the waiting run's call and reads its stream to the end. */
export async function approveAndFinish(
  gateway: GatewayClient,
  token: string,
  waiting: { stream: SseReader; approval: { tool_call_id: string; nonce: string } },
): Promise<string> {
  const { approval } = waiting;
  const answered = await gateway.post(
    '/chat/tool-approval',
    { tool_call_id: approval.tool_call_id, nonce: approval.nonce, approved: true },
    { token },
  );
  expect(answered.status).toBe(200);
  return textOf(await waiting.stream.rest());
}

/** The run's record as its owner reads it, once it is no longer running (nor queued). */
export const endedRecord = (gateway: GatewayClient, token: string, runId: string) =>
  waitFor(async () => {
    const response = await gateway.get(`/runs/${runId}`, { token });
    if (response.status !== 200) return undefined;
    const record = await jsonOf(response);
    return record['status'] === 'running' || record['status'] === 'queued' ? undefined : record;
  });

/** A model that asks to delete a file (a run then waits), then answers twice. */
export const turnsWaitingThenSecond = () => [
  toolCallTurn('delete_file', { path: '/tmp/t' }, { id: 'toolu_collide' }),
  textTurn('Second run.'),
  textTurn('First run done.'),
];
