import { tool } from '../tools/define-tool.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AgentDefinition } from '../server/gateway-app.js';
import { createMockUpstream, type MockUpstream } from '../testing/mock-upstream/mock-upstream.js';
import { textTurn, toolCallTurn } from '../testing/scripted-turn.js';
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
async function run(file: string, extra: { stateDir?: string } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exitCode = await runRunCommand({
    file,
    message: 'How is the service?',
    signal: new AbortController().signal,
    writeResponse: (text) => void stdout.push(text),
    writeStatus: (line) => void stderr.push(line),
    ...extra,
  });
  return { exitCode, stdout: stdout.join(''), stderr };
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
        server: { corsOrigins: ['https://example.com'], validApiKeys: ['k'] },
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
