import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { builtIndex } from './helpers/built-cli.js';
import { spawnServe } from './helpers/spawn-serve.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

/** GETs `url` on a connection of its own (no keep-alive pool): the status and body, or the error code. */
const getOnNewConnection = (url: string): Promise<{ status: number; body: string } | string> =>
  new Promise((resolve) => {
    const outgoing = request(url, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    outgoing.end();
  });

describe('SIGTERM to agent-gateway serve', { timeout: 180_000 }, () => {
  it('answers readiness 503 at once, serves new connections through the drain delay, then exits 0', async () => {
    const project = cleanup.add(await mkdtemp(join(tmpdir(), 'serve-drain-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    await writeFile(
      join(project, 'agent.ts'),
      `import { createAgent } from ${JSON.stringify(builtIndex)};
export default createAgent({
  systemPrompt: 'You are a test agent.',
  server: { shutdown: { drainDelayMs: 4_000 } },
});
`,
    );
    const serve = await spawnServe(project, 'agent.ts', ['--no-database']);
    const ready = `${serve.client.baseUrl}/health/ready`;
    expect(await getOnNewConnection(ready)).toEqual({ status: 200, body: '{"status":"ready"}' });

    const exited = serve.stop();
    // The first probe after the signal may race its delivery: poll until it says draining.
    let answer = await getOnNewConnection(ready);
    for (let tries = 0; tries < 40 && typeof answer !== 'string' && answer.status === 200; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      answer = await getOnNewConnection(ready);
    }
    expect(answer).toEqual({ status: 503, body: '{"status":"draining"}' });
    // Still accepting new connections during the delay; liveness stays 200.
    expect(await getOnNewConnection(`${serve.client.baseUrl}/health/live`)).toEqual({
      status: 200,
      body: '{"status":"ok"}',
    });

    expect(await exited).toBe(0);
    expect(await getOnNewConnection(ready)).toBe('ECONNREFUSED');
  });
});
