import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockUpstream, type MockUpstream } from '../testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliEntry = fileURLToPath(new URL('./main.ts', import.meta.url));
const noisyAgent = fileURLToPath(new URL('./__fixtures__/noisy-agent.ts', import.meta.url));

/** Environment whose only provider settings point the agent at the mock upstream. */
const upstreamEnvironment = (upstream: MockUpstream): NodeJS.ProcessEnv => {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(environment)) {
    if (
      name.startsWith('ANTHROPIC_') ||
      name.startsWith('OPENAI_') ||
      name === 'PORT' ||
      name === 'REDIS_URL'
    )
      delete environment[name];
  }
  return { ...environment, ANTHROPIC_API_KEY: 'test-key', ANTHROPIC_BASE_URL: upstream.url };
};

/** Reads SSE frames of a response until one satisfies `until`; returns the events read. */
const readEvents = async (
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (event: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>[]> => {
  const events: Record<string, unknown>[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return events;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end !== -1) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const data = frame
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data === '') continue;
      const event = JSON.parse(data) as Record<string, unknown>;
      events.push(event);
      if (until(event)) return events;
    }
  }
};

describe('agent-gateway serve --log-format json', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('writes every line of stdout and stderr as JSON through an MCP failure, tool failures and an approval', async () => {
    const upstream = await createMockUpstream({
      anthropic: [
        toolCallTurn('explode', {}),
        toolCallTurn('broken_policy', {}),
        toolCallTurn('guarded', {}),
        textTurn('All done.'),
      ],
    });
    cleanups.push(() => upstream.close());
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        cliEntry,
        'serve',
        noisyAgent,
        '--port',
        '0',
        '--log-format',
        'json',
        '--log-level',
        'debug',
        '--no-database',
      ],
      { cwd: repositoryRoot, env: upstreamEnvironment(upstream), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    cleanups.push(() => void (child.exitCode === null && child.kill('SIGKILL')));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
    await expect.poll(() => listening.exec(stdout)?.[1], { timeout: 45_000 }).toBeDefined();
    const url = listening.exec(stdout)?.[1] ?? '';

    const init = await fetch(`${url}/api/chat/init`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: 'test-key' }),
    });
    const { session_token: token } = (await init.json()) as { session_token: string };
    const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
    const chat = await fetch(`${url}/api/chat`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Use your tools.' }] }),
    });
    const reader = (chat.body as ReadableStream<Uint8Array>).getReader();
    const untilApproval = await readEvents(reader, (event) => event['type'] === 'tool_approval_request');
    const request = untilApproval.at(-1) ?? {};
    expect(request['type']).toBe('tool_approval_request');
    const answer = await fetch(`${url}/api/chat/tool-approval`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        tool_call_id: request['tool_call_id'],
        nonce: request['nonce'],
        approved: true,
      }),
    });
    expect(answer.status).toBe(200);
    const rest = await readEvents(reader, (event) => event['type'] === 'stream_complete');
    expect(rest.at(-1)?.['type']).toBe('stream_complete');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const lines = [...stdout.split('\n'), ...stderr.split('\n')].filter((line) => line !== '');
    const notJson = lines.filter((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const messages = lines.map((line) => String((JSON.parse(line) as { msg: unknown }).msg));
    // The lines this test is about reached the log: the MCP server's own words and its failure,
    // the failing approval policy, the start-up report and the CLI's own lines.
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('boom: cannot open ./handbook'),
        expect.stringMatching(/MCP server 'dead'.*failed to start/),
        'needsApproval failed; blocking tool call',
        'agent ready',
        expect.stringMatching(/^agent-gateway listening on http:\/\/127\.0\.0\.1:\d+$/),
        expect.stringContaining('SIGTERM received'),
      ]),
    );
  }, 90_000);
});
