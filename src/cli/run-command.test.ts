import { tool } from '../tools/define-tool.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentDefinition } from '../server/gateway-app.js';
import { createMockUpstream, type MockUpstream } from '../testing/mock-upstream/mock-upstream.js';
import { compactionTurn, textTurn, toolCallTurn } from '../testing/scripted-turn.js';
import { runRunCommand, toAutonomousOptions } from './run-command.js';

const sourceIndex = fileURLToPath(new URL('../index.ts', import.meta.url));

let upstream: MockUpstream;
let directory: string;

beforeEach(async () => {
  for (const name of ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'])
    vi.stubEnv(name, '');
  upstream = await createMockUpstream();
  directory = await mkdtemp(join(tmpdir(), 'run-command-'));
});

afterEach(async () => {
  vi.unstubAllEnvs();
  await upstream.close();
  await rm(directory, { recursive: true, force: true });
});

/** Writes an agent module that builds its app with createAgent against the mock upstream. */
async function writeAgentModule(extraOptions = ''): Promise<string> {
  const file = join(directory, 'agent.ts');
  await writeFile(
    file,
    `import { createAgent, tool } from ${JSON.stringify(sourceIndex)};
const readStatus = tool({ name: 'read_status', description: 'Reads the status.', inputSchema: { type: 'object', properties: {} }, execute: () => ({ status: 'green' }) });
export default createAgent({ systemPrompt: 'You check services.', apiKey: 'sk-test', providerConfig: { baseURL: ${JSON.stringify(upstream.url)} }, tools: [readStatus], ${extraOptions} server: { validApiKeys: ['only-for-http'] } });
`,
  );
  return file;
}

/** Runs the command and captures what it prints. */
async function run(file: string, extra: { stateDir?: string; json?: boolean; timeoutSeconds?: number } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const progress: string[] = [];
  const exitCode = await runRunCommand({
    file,
    message: 'How is the service?',
    signal: new AbortController().signal,
    writeResponse: (text) => void stdout.push(text),
    writeStatus: (line) => void stderr.push(line),
    writeProgress: (text) => void progress.push(text),
    ...extra,
  });
  return { exitCode, stdout: stdout.join(''), stderr, progress: progress.join(''), chunks: stdout };
}

describe('agent-gateway run', () => {
  it('runs a createAgent module headless with its tools and prints the response', async () => {
    upstream.enqueue('anthropic', toolCallTurn('read_status', {}), textTurn('Service is green.'));
    const stateDir = join(directory, 'state');
    const { exitCode, stdout, stderr } = await run(await writeAgentModule(), { stateDir });

    expect(exitCode).toBe(0);
    expect(stdout).toBe('Service is green.\n');
    expect(stderr).toEqual([
      expect.stringMatching(
        /^agent-gateway run: outcome: success \(exit 0\) \| tools: read_status \| usage: in=\d+/,
      ),
    ]);
    const firstRequest = upstream.requests[0]?.body as { system: unknown; messages: unknown };
    expect(JSON.stringify(firstRequest.system)).toContain('You check services.');
    expect(firstRequest.messages).toEqual([{ role: 'user', content: 'How is the service?' }]);
    const state = JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ tools_used: ['read_status'], last_summary: 'Service is green.' });
  });

  it('streams the text as it arrives, separates turns, and shows each tool call as a progress line', async () => {
    upstream.enqueue(
      'anthropic',
      {
        blocks: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_call', id: 'toolu_r1', name: 'read_status', input: {} },
        ],
      },
      textTurn('Service is green.'),
    );
    const { exitCode, stdout, progress, chunks } = await run(await writeAgentModule());
    expect(exitCode).toBe(0);
    expect(stdout).toBe('Let me check.\n\nService is green.\n');
    expect(chunks.length).toBeGreaterThan(3);
    expect(progress).toMatch(/^-> read_status \{\}\n {3}read_status done in \d+ ms\n$/);
  });

  it('prints every event as a JSON line with --json', async () => {
    upstream.enqueue('anthropic', toolCallTurn('read_status', {}, { id: 'toolu_j1' }), textTurn('Green.'));
    const { exitCode, stdout, progress } = await run(await writeAgentModule(), { json: true });
    expect(exitCode).toBe(0);
    const events = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(events[0]).toMatchObject({
      type: 'tool_call_start',
      tool_name: 'read_status',
      tool_call_id: 'toolu_j1',
    });
    expect(events.map((event) => event.type)).toContain('tool_call_complete');
    expect(events.at(-1)?.type).toBe('stream_complete');
    expect(progress).toBe('');
  });

  it("compacts with the agent's compaction trigger and reports it as progress and in the outcome line", async () => {
    upstream.enqueue('anthropic', compactionTurn('Earlier: the status was read.'), textTurn('Still green.'));
    const file = await writeAgentModule("compaction: { trigger: 60_000, instructions: 'Keep statuses.' },");
    const { exitCode, stdout, stderr, progress } = await run(file);

    expect(exitCode).toBe(0);
    expect(stdout).toBe('Still green.\n');
    expect(progress).toContain('context compacted (29 characters of summary)');
    expect(stderr[0]).toContain('| compactions: 1');
    const first = upstream.requests[0]?.body as { context_management?: unknown };
    expect(first.context_management).toEqual({
      edits: [
        {
          type: 'compact_20260112',
          trigger: { type: 'input_tokens', value: 60_000 },
          instructions: 'Keep statuses.',
        },
      ],
    });
  });

  it('prints the partial text before the timeout notice', async () => {
    upstream.enqueue(
      'anthropic',
      textTurn('one two three four five six seven eight nine ten', { eventDelayMs: 150 }),
    );
    const { exitCode, stdout, stderr } = await run(await writeAgentModule(), { timeoutSeconds: 1.5 });
    expect(exitCode).toBe(124);
    expect(stdout).toMatch(/^one /);
    expect(stdout.endsWith('\n')).toBe(true);
    expect(stderr.at(-1)).toContain('outcome: timeout (exit 124)');
  });

  it('warns that --timeout is in seconds when its value looks like milliseconds', async () => {
    upstream.enqueue('anthropic', textTurn('All green.'));
    const { exitCode, stderr } = await run(await writeAgentModule(), { timeoutSeconds: 30_000 });
    expect(exitCode).toBe(0);
    expect(stderr[0]).toBe(
      'agent-gateway run: --timeout is in seconds: 30000 is 8.3 h; for 30000 milliseconds write --timeout 30',
    );
  });

  it('warns that a run without a credential gets the stub reply, and reports no usage rather than question marks', async () => {
    const warnings: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    const file = join(directory, 'stub-agent.ts');
    await writeFile(
      file,
      `import { createAgent } from ${JSON.stringify(sourceIndex)};\nexport default createAgent({ systemPrompt: 'You check services.' });\n`,
    );
    const { exitCode, stdout, stderr } = await run(file);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('Stub response');
    expect(warnings).toContain(
      'no Anthropic credential: this run gets a stub reply; set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) or pass apiKey (create a key at https://console.anthropic.com/settings/keys)',
    );
    expect(stderr.at(-1)).toContain('usage: none reported');
    expect(stderr.at(-1)).not.toContain('?');
  });

  it("exits with 3 when the agent's turn limit stops the run", async () => {
    upstream.enqueue('anthropic', toolCallTurn('read_status', {}));
    const { exitCode, stdout, stderr } = await run(await writeAgentModule('maxTurns: 1,'));
    expect(exitCode).toBe(3);
    expect(stdout).toContain('[Max turns reached]');
    expect(stderr[0]).toContain('outcome: max_turns (exit 3)');
  });

  it('exits with 1 and prints the error when the model call fails', async () => {
    upstream.enqueue('anthropic', { kind: 'http_error', status: 400, message: 'invalid request' });
    const { exitCode, stderr } = await run(await writeAgentModule());
    expect(exitCode).toBe(1);
    expect(stderr[0]).toMatch(/outcome: error \(exit 1\).*error: .*invalid request/);
  });

  it('exits with 2 for a gateway app that has no agent definition', async () => {
    const file = join(directory, 'plain-app.ts');
    await writeFile(
      file,
      'export default { fetch: async () => new Response(), listen: async () => ({}), close: async () => {} };\n',
    );
    const { exitCode, stderr } = await run(file);
    expect(exitCode).toBe(2);
    expect(stderr[0]).toMatch(/without an agent definition; build it with createAgent\(\)/);
  });

  it('exits with 2 when the module cannot be loaded', async () => {
    const { exitCode, stderr } = await run(join(directory, 'missing.ts'));
    expect(exitCode).toBe(2);
    expect(stderr[0]).toMatch(/Agent module not found/);
  });
});

describe('toAutonomousOptions', () => {
  it('keeps the prompt, provider, tools, limits and hooks, and drops the server group', () => {
    const onRunUsage = (): void => {};
    const lookup = tool({
      name: 'lookup',
      description: '',
      inputSchema: { type: 'object' },
      execute: () => 1,
    });
    const definition: AgentDefinition = {
      spec: {
        systemPrompt: [['cached part', true]],
        provider: 'openai',
        model: 'gpt-4o',
        maxTurns: 5,
        maxBudgetUsd: 1,
        turnTimeoutMs: 30_000,
        tools: [lookup],
        hooks: { onRunUsage },
        server: { cors: { origins: ['https://example.com'] }, validApiKeys: ['k'] },
      },
    };
    expect(
      toAutonomousOptions(definition, { initialMessage: 'go', stateDir: '/tmp/s', timeoutMs: 9_000 }),
    ).toEqual({
      options: {
        systemPrompt: [['cached part', true]],
        provider: 'openai',
        model: 'gpt-4o',
        maxTurns: 5,
        maxBudgetUsd: 1,
        turnTimeoutMs: 30_000,
        tools: [lookup],
        hooks: { onRunUsage },
        headless: { initialMessage: 'go', stateDir: '/tmp/s', timeoutMs: 9_000 },
      },
      dropped: [],
    });
  });

  it('leaves out client-side tools and code execution, and names them', () => {
    const pick = tool({
      name: 'pick_file',
      description: '',
      inputSchema: { type: 'object' },
      execute: 'client',
    });
    const { options, dropped } = toAutonomousOptions(
      { spec: { systemPrompt: 'x', tools: [pick], codeExecution: true, mcp: { servers: {} } } },
      { initialMessage: 'go' },
    );
    expect(options).toEqual({
      systemPrompt: 'x',
      tools: [],
      mcp: { servers: {} },
      headless: { initialMessage: 'go' },
    });
    expect(dropped).toEqual(['client-side tool pick_file', 'code execution']);
  });
});
