import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtCli, builtCliEnvironment } from '../../test/helpers/built-cli.js';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
// The built CLI and package, as a user's project runs them (test/global-setup.ts builds them).
const builtIndex = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const shutdownHookAgent = fileURLToPath(new URL('./__fixtures__/shutdown-hook-agent.ts', import.meta.url));

/** A CLI process started by a test, with everything it printed so far. */
interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

/**
 * Environment without provider credentials (the agents answer with the stub reply), in which
 * tsx gives the repository's agents the built package (`builtCliEnvironment`).
 */
const stubEnvironment = (): NodeJS.ProcessEnv => {
  const environment: NodeJS.ProcessEnv = { ...process.env, ...builtCliEnvironment };
  for (const name of Object.keys(environment)) {
    if (name.startsWith('ANTHROPIC_') || name.startsWith('OPENAI_') || name === 'PORT')
      delete environment[name];
  }
  return environment;
};

/** Serves run from the repository root, where test files run at once: none keeps a database. */
const startCli = (args: string[]): CliProcess => {
  const withoutDatabase = args[0] === 'serve' ? [...args, '--no-database'] : args;
  const child = spawn(process.execPath, [builtCli, ...withoutDatabase], {
    cwd: repositoryRoot,
    env: stubEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
};

/** The port a server bound to 0.0.0.0 says it listens on. */
const portOnAllInterfaces = async (cli: CliProcess): Promise<string> => {
  const portOf = () => /listening on 0\.0\.0\.0:(\d+)/.exec(cli.output())?.[1];
  await expect.poll(portOf, { timeout: 60_000 }).toBeDefined();
  return portOf() ?? '';
};

/** Resolves with the URL the server prints; rejects if it exits first. */
const listeningUrl = (cli: CliProcess): Promise<string> =>
  new Promise((resolve, reject) => {
    const check = (): void => {
      const match = /agent-gateway listening on (http:\/\/[^\s"]+)/.exec(cli.output());
      if (match?.[1] !== undefined) {
        cli.child.stdout?.off('data', check);
        resolve(match[1]);
      }
    };
    cli.child.stdout?.on('data', check);
    void cli.exited.then((code) =>
      reject(new Error(`CLI exited (${String(code)}) before listening:\n${cli.output()}`)),
    );
  });

/** Opens a session on the served gateway at `url`; resolves with its token. */
const openSession = async (url: string, apiKey: string): Promise<string> => {
  const init = await fetch(`${url}/api/chat/init`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: apiKey }),
  });
  if (init.status !== 200) throw new Error(`init answered ${init.status}`);
  return ((await init.json()) as { session_token: string }).session_token;
};

/** Posts one user message to `POST /api/chat`; resolves with the streaming response. */
const postChat = (url: string, token: string, content: string): Promise<Response> =>
  fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ messages: [{ role: 'user', content }] }),
  });

describe('agent-gateway serve (subprocess)', () => {
  const started: CliProcess[] = [];

  afterEach(() => {
    for (const cli of started.splice(0)) if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  });

  it('prints its URL, answers /api/health and exits 0 on SIGTERM', async () => {
    const cli = startCli(['serve', 'examples/01-minimal/agent.ts', '--port', '0']);
    started.push(cli);
    const url = await listeningUrl(cli);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${url}/api/health`);
    expect(await health.json()).toEqual({ status: 'ok' });

    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('SIGTERM received, shutting down');
    await expect(fetch(`${url}/api/health`)).rejects.toThrow();
  });

  it("runs the agent's heartbeat once it listens and stops it with the app on SIGTERM", async () => {
    const directory = await mkdtemp(join(tmpdir(), 'serve-heartbeat-'));
    const agentFile = join(directory, 'agent.ts');
    await writeFile(
      agentFile,
      `import { createAgent } from ${JSON.stringify(builtIndex)};
export default createAgent({ systemPrompt: 'You watch.', heartbeat: { intervalMs: 3_600_000, onAlert: (response) => console.log('HEARTBEAT ALERT ' + response.length) } });
`,
    );
    try {
      const cli = startCli(['serve', agentFile, '--port', '0']);
      started.push(cli);
      await listeningUrl(cli);
      // The stub reply (no credential) is no HEARTBEAT_OK: the first tick, at once, is an alert.
      await expect.poll(() => cli.output(), { timeout: 30_000 }).toMatch(/HEARTBEAT ALERT \d+/);
      expect(cli.output()).toContain('agent-gateway heartbeat started');
      expect(cli.output()).toContain('the heartbeat runs in this process only');
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 60_000);

  it('on SIGINT ends the running chat, runs the shutdown hooks, then exits 0', async () => {
    const cli = startCli(['serve', shutdownHookAgent, '--port=0']);
    started.push(cli);
    const url = await listeningUrl(cli);
    const token = await openSession(url, 'test-key');
    const chat = await postChat(url, token, 'a question that takes a while to echo');
    const reader = (chat.body as ReadableStream<Uint8Array> | null)?.getReader();
    // The stub reply streams one word at a time; the first word proves the chat is running.
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('text_delta');

    cli.child.kill('SIGINT');
    // The stream ends (the server closes it) instead of hanging until the reply is complete.
    let rest = '';
    for (;;) {
      const chunk = await reader?.read();
      if (chunk === undefined || chunk.done) break;
      rest += new TextDecoder().decode(chunk.value);
    }
    expect(rest).not.toContain('stream_complete');
    expect(await cli.exited).toBe(0);
    const output = cli.output();
    expect(output).toContain('SIGINT received, shutting down');
    expect(output.indexOf('onShutdown ran')).toBeGreaterThan(output.indexOf('SIGINT received'));
  });

  it('serves the playground on loopback and prints its URL; --no-playground and --metrics are honoured', async () => {
    const cli = startCli(['serve', 'examples/01-minimal/agent.ts', '--port', '0']);
    started.push(cli);
    const url = await listeningUrl(cli);
    await expect.poll(() => cli.output()).toContain(`agent-gateway playground: ${url}/playground`);
    const page = await fetch(`${url}/playground`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('ai-agent-gateway playground');
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);

    const bare = startCli([
      'serve',
      'examples/01-minimal/agent.ts',
      '--port',
      '0',
      '--no-playground',
      '--metrics',
    ]);
    started.push(bare);
    const bareUrl = await listeningUrl(bare);
    expect((await fetch(`${bareUrl}/playground`)).status).toBe(404);
    const metrics = await fetch(`${bareUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE');
    bare.child.kill('SIGTERM');
    expect(await bare.exited).toBe(0);
    expect(bare.output()).not.toContain('playground:');
  });

  it('serves the agent over A2A and MCP with --a2a --mcp: prints their URLs, links them on the playground', async () => {
    const cli = startCli(['serve', 'examples/01-minimal/agent.ts', '--port', '0', '--a2a', '--mcp']);
    started.push(cli);
    const url = await listeningUrl(cli);
    await expect
      .poll(() => cli.output())
      .toContain(`agent-gateway A2A: ${url}/api/a2a (agent card ${url}/.well-known/agent-card.json)`);
    const card = await fetch(`${url}/.well-known/agent-card.json`, { headers: { 'A2A-Version': '1.0' } });
    expect(card.status).toBe(200);
    expect(await card.json()).toMatchObject({ capabilities: { streaming: true } });
    await expect.poll(() => cli.output()).toContain(`agent-gateway MCP: ${url}/api/mcp`);
    const page = await (await fetch(`${url}/playground`)).text();
    expect(page).toContain('href="/.well-known/agent-card.json"');
    expect(page).toContain('href="/.well-known/oauth-protected-resource/api/mcp"');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('logs JSON lines off a terminal: the stub-mode warning, the start-up report and one line per request', async () => {
    const cli = startCli(['serve', 'examples/01-minimal/agent.ts', '--port', '0', '--no-playground']);
    started.push(cli);
    const url = await listeningUrl(cli);
    const init = await fetch(`${url}/api/chat/init`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ api_key: 'a-secret-key' }),
    });
    expect(init.status).toBe(200);
    await expect.poll(() => cli.output()).toContain('"route":"/api/chat/init"');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);

    const lines = cli
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'no Anthropic credential: every chat gets a stub reply; set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) or pass apiKey (create a key at https://console.anthropic.com/settings/keys)',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'agent ready',
        provider: 'anthropic',
        credential: 'none (stub replies)',
        store: 'memory (this process only)',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'request', method: 'POST', route: '/api/chat/init', status: 200 }),
    );
    expect(cli.output()).not.toContain('a-secret-key');
  });

  it('names the agent file and line when the module throws while loading, and prints the stack with --verbose', async () => {
    const cli = startCli(['serve', 'src/cli/__fixtures__/throwing-agent.ts', '--port', '0']);
    expect(await cli.exited).toBe(1);
    expect(cli.output().trim()).toBe(
      "agent-gateway: src/cli/__fixtures__/throwing-agent.ts:6:107: Cannot read properties of undefined (reading 'maxTurns')",
    );
    const verbose = startCli(['serve', 'src/cli/__fixtures__/throwing-agent.ts', '--port', '0', '--verbose']);
    expect(await verbose.exited).toBe(1);
    expect(verbose.output()).toMatch(/at .*throwing-agent\.ts:6:107/);
  });

  it('--watch restarts once per change of the agent module and says so on one line', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'serve-watch-'));
    const agentFile = join(directory, 'agent.ts');
    const source = `import { createAgent } from ${JSON.stringify(builtIndex)};\nexport default createAgent({ systemPrompt: 'v1' });\n`;
    await writeFile(agentFile, source);
    try {
      const cli = startCli(['serve', agentFile, '--port', '0', '--watch']);
      started.push(cli);
      await listeningUrl(cli);
      await writeFile(agentFile, `${source}// edited\n`);
      await expect
        .poll(() => cli.output().match(/agent-gateway listening on/g)?.length ?? 0, { timeout: 90_000 })
        .toBe(2);
      expect(cli.output().match(/^Restarting /gm)).toHaveLength(1);
      cli.child.kill('SIGTERM');
      await cli.exited;
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 180_000);

  it('--watch keeps a session valid across a restart of the agent module', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'serve-watch-session-'));
    const agentFile = join(directory, 'agent.ts');
    const source = `import { createAgent } from ${JSON.stringify(builtIndex)};\nexport default createAgent({ systemPrompt: 'v1' });\n`;
    await writeFile(agentFile, source);
    try {
      const cli = startCli(['serve', agentFile, '--port', '0', '--watch']);
      started.push(cli);
      const before = await listeningUrl(cli);
      const token = await openSession(before, 'dev-key');

      await writeFile(agentFile, `${source}// edited\n`);
      await expect
        .poll(() => cli.output().match(/agent-gateway listening on/g)?.length ?? 0, { timeout: 90_000 })
        .toBe(2);
      const after = [...cli.output().matchAll(/agent-gateway listening on (http:\/\/[^\s"]+)/g)].at(-1)?.[1];
      const chat = await postChat(String(after), token, 'still there?');
      expect(chat.status).toBe(200);
      expect(await chat.text()).toContain('stream_complete');
      cli.child.kill('SIGTERM');
      await cli.exited;
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 180_000);

  it('--demo serves the quickstart agent with a scripted model and says so on the playground', async () => {
    const cli = startCli(['serve', 'examples/01-minimal/agent.ts', '--port', '0', '--demo']);
    started.push(cli);
    const url = await listeningUrl(cli);
    expect(cli.output()).toContain('demo mode: a scripted model answers');
    const page = await fetch(`${url}/playground`);
    expect(await page.text()).toContain('Demo mode: answers come from a scripted model');
    const chat = await postChat(url, await openSession(url, 'demo'), 'Hello!');
    const stream = await chat.text();
    expect(stream).toContain('"type":"tool_call_complete"');
    expect(stream).toContain('"tool_name":"get_weather"');
    expect(stream).not.toContain('Stub response');
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  }, 180_000);

  it('exits 1 with the reason when the port is taken', async () => {
    const first = startCli(['serve', 'examples/01-minimal/agent.ts', '--port', '0']);
    started.push(first);
    const port = new URL(await listeningUrl(first)).port;

    const second = startCli(['serve', 'examples/01-minimal/agent.ts', '--port', port]);
    started.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(
      `agent-gateway: 127.0.0.1:${port} is already in use (EADDRINUSE): stop the other server or pick another port with --port`,
    );
    // Nothing started before the bind failed: no start-up report claims the agent is ready.
    expect(second.output()).not.toContain('agent ready');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });

  it('refuses to serve an agent without validApiKeys on 0.0.0.0, naming both ways out, and exits 1', async () => {
    const child = spawn(
      process.execPath,
      [builtCli, 'serve', 'examples/01-minimal/agent.ts', '--port', '0', '--host', '0.0.0.0'],
      { cwd: repositoryRoot, env: stubEnvironment(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(
      'agent-gateway: listen: refusing to serve 0.0.0.0 without server.validApiKeys: any non-empty API key',
    );
    expect(stderr).toContain('server.allowAnyApiKey: true');
  });

  it('on 0.0.0.0 with server.auth configured serves the approvals inbox and not the playground; --no-inbox turns it off', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'serve-inbox-'));
    const agentFile = join(directory, 'agent.ts');
    await writeFile(
      agentFile,
      `import { createAgent } from ${JSON.stringify(builtIndex)};
export default createAgent({
  systemPrompt: 'You pay invoices.',
  server: {
    validApiKeys: ['approvers-key'],
    auth: { jwt: { issuer: 'https://login.example.com/', audience: 'https://agents.example.com/api' } },
  },
});
`,
    );
    try {
      const cli = startCli(['serve', agentFile, '--port', '0', '--host', '0.0.0.0']);
      started.push(cli);
      const local = `http://127.0.0.1:${await portOnAllInterfaces(cli)}`;
      const inbox = await fetch(`${local}/inbox`);
      expect(inbox.status).toBe(200);
      expect(await inbox.text()).toContain('approvals inbox');
      expect((await fetch(`${local}/inbox/inbox.js`)).status).toBe(200);
      expect((await fetch(`${local}/playground`)).status).toBe(404);
      await expect.poll(() => cli.output()).toContain(`agent-gateway approvals inbox: ${local}/inbox`);
      expect(cli.output()).not.toContain('agent-gateway playground:');
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);

      const without = startCli(['serve', agentFile, '--port', '0', '--host', '0.0.0.0', '--no-inbox']);
      started.push(without);
      const withoutPort = await portOnAllInterfaces(without);
      expect((await fetch(`http://127.0.0.1:${withoutPort}/inbox`)).status).toBe(404);
      without.child.kill('SIGTERM');
      expect(await without.exited).toBe(0);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 90_000);

  it('prints one clean line and exits 1 when Redis is unreachable at start-up', async () => {
    const child = spawn(
      process.execPath,
      [builtCli, 'serve', 'examples/01-minimal/agent.ts', '--port', '0', '--no-database'],
      {
        cwd: repositoryRoot,
        env: { ...stubEnvironment(), REDIS_URL: 'redis://127.0.0.1:1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    // The listener's own info line (its connection limits) comes first, bound before start-up.
    const lines = stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('{"time"') || !line.includes('"level":"info"'));
    expect(lines).toEqual([
      expect.stringMatching(
        /^agent-gateway: Redis at redis:\/\/127\.0\.0\.1:1 is unreachable: .*ECONNREFUSED/,
      ),
    ]);
    expect(stderr).not.toMatch(/src\/|at .*\(/);
  });
});
