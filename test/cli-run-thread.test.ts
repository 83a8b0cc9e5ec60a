import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/core/logger.js';
import { HEADLESS_OWNER } from '../src/headless/thread/headless-thread-options.js';
import { openThreadStore } from '../src/database/sql/open-thread-store.js';
import { createPgEngine } from '../src/database/sql/pg-engine.js';
import { createMockUpstream, type MockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import {
  postgresUnavailableReason,
  startPostgresServer,
  type PostgresServer,
} from './helpers/postgres-server.js';
import { reachableTempFolder } from './helpers/embedded-postgres.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/agent-gateway.js', import.meta.url));
const builtIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** The environment of a cron job: no credentials of the machine, no database URL. */
const cronEnvironment = (): NodeJS.ProcessEnv => {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(environment)) {
    if (name.startsWith('ANTHROPIC_') || name.startsWith('OPENAI_') || name === 'DATABASE_URL')
      delete environment[name];
  }
  return environment;
};

let upstream: MockUpstream;
let directory: string;
beforeEach(async () => {
  upstream = await createMockUpstream();
  directory = await reachableTempFolder('cli-run-thread-');
});
afterEach(async () => {
  await upstream.close();
  await rm(directory, { recursive: true, force: true });
});

/** `agent-gateway run agent.mjs "<message>" --thread <thread>` from the project folder. */
const cronRun = (message: string, thread: string, environment: NodeJS.ProcessEnv = {}) =>
  run(process.execPath, [bin, 'run', 'agent.mjs', message, '--thread', thread], {
    cwd: directory,
    env: { ...cronEnvironment(), ...environment },
    timeout: 60_000,
  });

/** An agent module built with the package's built entry, talking to the mock upstream. */
const writeAgent = () =>
  writeFile(
    join(directory, 'agent.mjs'),
    `import { createAgent } from ${JSON.stringify(builtIndex)};
export default createAgent({
  systemPrompt: 'You keep the release notes.',
  apiKey: 'sk-test',
  providerConfig: { baseURL: ${JSON.stringify(upstream.url)} },
});
`,
  );

describe('agent-gateway run --thread', () => {
  it('continues the thread across runs in the embedded database of the working folder', async () => {
    expect(existsSync(builtIndex), 'run `npm run build` first: this test runs the built CLI').toBe(true);
    await writeAgent();
    upstream.enqueue('anthropic', textTurn('Noted: 1.4 ships on Friday.'), textTurn('On Friday.'));

    const first = await cronRun('Remember: 1.4 ships on Friday.', 'release-notes');
    expect(first.stdout).toBe('Noted: 1.4 ships on Friday.\n');
    const second = await cronRun('When does 1.4 ship?', 'release-notes');
    expect(second.stdout).toBe('On Friday.\n');
    expect(second.stderr).toContain('outcome: success (exit 0)');

    const sent = upstream.requests[1]?.body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(sent.messages[0]?.content).toBe('Remember: 1.4 ships on Friday.');

    const store = await openThreadStore({ embedded: { dir: join(directory, '.agent-gateway', 'data') } });
    try {
      const stored = await store.loadMessages(HEADLESS_OWNER, 'release-notes');
      expect(stored?.map((entry) => entry.message.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
      const runs = await store.listRuns(HEADLESS_OWNER, 'release-notes', { limit: 10 });
      expect(runs?.items.map((entry) => entry.status)).toEqual(['completed', 'completed']);
    } finally {
      await store.close();
    }
  }, 180_000);

  it('refuses a thread name the store could not keep, before loading the agent', async () => {
    await expect(cronRun('Hi.', 'no spaces allowed')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--thread expects a thread name') as unknown,
    });
  });
});

const postgresMissing = postgresUnavailableReason();
describe.skipIf(postgresMissing !== undefined)('agent-gateway run --thread with DATABASE_URL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 180_000);
  afterAll(async () => {
    await server?.destroy();
  }, 180_000);

  it('keeps the thread in the PostgreSQL database DATABASE_URL names, and no folder', async () => {
    await writeAgent();
    const url = await server.createDatabase();
    upstream.enqueue('anthropic', textTurn('Noted.'), textTurn('You told me: blue.'));
    await cronRun('My favourite colour is blue.', 'colours', { DATABASE_URL: url });
    const second = await cronRun('What is my favourite colour?', 'colours', { DATABASE_URL: url });
    expect(second.stdout).toBe('You told me: blue.\n');
    expect(existsSync(join(directory, '.agent-gateway'))).toBe(false);
    const engine = createPgEngine(url, { logger: silentLogger });
    try {
      const rows = await engine.query<{ seq: number; api_key_hash: string }>(
        `SELECT m.seq, t.api_key_hash FROM thread_messages m JOIN threads t ON t.id = m.thread_id
         WHERE t.id = 'colours' ORDER BY m.seq`,
      );
      expect(rows.rows).toEqual([0, 1, 2, 3].map((seq) => ({ seq, api_key_hash: 'headless' })));
    } finally {
      await engine.close();
    }
  }, 180_000);
});
