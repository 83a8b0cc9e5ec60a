import { toolsFrom } from './helpers/tools-from.js';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ToolDefinition } from '../src/core/tool.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { createSseReader, eventsOf, readAllSseFrames } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { waitFor } from './helpers/wait-for.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const noteDefinition: ToolDefinition = {
  name: 'save_note',
  description: 'Saves a note',
  input_schema: { type: 'object', properties: { text: { type: 'string' } } },
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The transcript's lines once it holds `terminalCount` terminal events (writes are async). */
async function readTranscript(path: string, terminalCount: number): Promise<Array<Record<string, unknown>>> {
  return waitFor(
    async () => {
      const text = await readFile(path, 'utf8').catch(() => '');
      const lines = text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as unknown)
        .filter(isRecord);
      const terminals = lines.filter(
        (line) => line['type'] === 'stream_complete' || line['type'] === 'error',
      );
      return terminals.length >= terminalCount ? lines : undefined;
    },
    { description: `${terminalCount} finished run(s) in ${path}` },
  );
}

const withoutTimestamp = ({ ts: _ts, ...entry }: Record<string, unknown>): Record<string, unknown> => entry;

describe('transcripts', () => {
  it('writes the request, then every streamed event but heartbeats, each with ts', async () => {
    const directory = cleanup.add(await mkdtemp(join(tmpdir(), 'gateway-transcripts-')), (path) =>
      rm(path, { recursive: true, force: true }),
    );
    const transcriptDir = join(directory, 'nested', 'transcripts');
    const { gateway } = await startMockAgent(cleanup, {
      turns: [
        toolCallTurn('save_note', { text: 'hi' }, { id: 'toolu_note' }),
        textTurn('Saved.'),
        textTurn('Again.'),
      ],
      agent: {
        needsApproval: () => true,
        tools: [...toolsFrom({ save_note: () => ({ saved: true }) }, [noteDefinition])],
        server: {
          transcriptDir,
          heartbeatIntervalMs: 20,
        },
      },
    });
    const session = await gateway.openSession();
    const startedAt = Date.now() / 1000;
    const reader = createSseReader(
      await gateway.chat(session.token, {
        messages: [{ role: 'user', content: 'save a note' }],
        context: { channel: 'web' },
      }),
    );
    // The approval keeps the stream open long enough for heartbeats to be sent.
    const request = await reader.nextOfType('tool_approval_request');
    await reader.until((frame) => frame.event.type === 'heartbeat');
    await gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true },
      { token: session.token },
    );
    await reader.rest();
    const streamed = eventsOf(reader.frames);
    const heartbeats = reader.frames.filter((frame) => frame.event.type === 'heartbeat');
    expect(heartbeats.length).toBeGreaterThan(0);
    for (const heartbeat of heartbeats) {
      // Heartbeats are not log entries: no `id:`, and an integer unix timestamp.
      expect(heartbeat.id).toBeUndefined();
      expect(heartbeat.event).toEqual({ type: 'heartbeat', timestamp: expect.any(Number) as unknown });
      expect(Number.isInteger(Reflect.get(heartbeat.event, 'timestamp'))).toBe(true);
    }

    const path = join(transcriptDir, `${session.sessionId}.jsonl`);
    const lines = await readTranscript(path, 1);
    expect(withoutTimestamp(lines[0] ?? {})).toEqual({
      type: 'chat_request',
      messages: [{ role: 'user', content: 'save a note' }],
      context: { channel: 'web' },
    });
    expect(lines.slice(1).map(withoutTimestamp)).toEqual(streamed);
    expect(lines.some((line) => line['type'] === 'heartbeat')).toBe(false);
    for (const line of lines) {
      expect(line['ts']).toEqual(expect.any(Number));
      expect(line['ts']).toBeGreaterThanOrEqual(Math.floor(startedAt));
    }

    // A second chat of the session appends to the same file.
    const second = eventsOf(await readAllSseFrames(await gateway.chat(session.token, 'once more')));
    const appended = await readTranscript(path, 2);
    expect(appended.slice(0, lines.length)).toEqual(lines);
    expect(appended.slice(lines.length).map(withoutTimestamp)).toEqual([
      { type: 'chat_request', messages: [{ role: 'user', content: 'once more' }], context: {} },
      ...second,
    ]);
  });
});
