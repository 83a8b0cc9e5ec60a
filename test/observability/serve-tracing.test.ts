import { createServer, type IncomingMessage } from 'node:http';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { reachableTempFolder } from '../helpers/embedded-postgres.js';
import {
  chatOnce,
  linkDependencies,
  listeningUrl,
  runInProject,
  stubEnvironment,
} from '../helpers/template-project.js';

/*
 * The commands docs/observability.md gives for tracing with `agent-gateway serve`: the
 * instrumentation file loaded first with `--import` (directly, or through NODE_OPTIONS under
 * npx), exporting to a collector on 127.0.0.1 that records the span names it receives.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

const bodyOf = async (request: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  return text;
};

/** An OTLP/HTTP collector on 127.0.0.1 that keeps the names of the spans it receives. */
async function startCollector(): Promise<{ port: number; spanNames: string[] }> {
  const spanNames: string[] = [];
  const collector = createServer((request, response) => {
    void bodyOf(request).then((body) => {
      if (request.url === '/v1/traces') {
        for (const match of body.matchAll(/"name":"([^"]+)"/g))
          if (match[1] !== undefined) spanNames.push(match[1]);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  cleanup.add(collector, (server) => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = collector.address();
  return { port: typeof address === 'object' && address !== null ? address.port : 0, spanNames };
}

/** A project with the package and the two OpenTelemetry packages the docs install, an agent and the docs' instrumentation file. */
async function tracedProject(collectorPort: number): Promise<string> {
  const project = cleanup.add(await reachableTempFolder('serve-tracing-'), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
  const upstream = cleanup.add(await createMockUpstream({ anthropic: [textTurn('Traced.')] }), (server) =>
    server.close(),
  );
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'serve-tracing',
      private: true,
      type: 'module',
      dependencies: {
        'ai-agent-gateway': '*',
        '@opentelemetry/sdk-trace-node': '*',
        '@opentelemetry/exporter-trace-otlp-http': '*',
      },
    }),
  );
  await writeFile(
    join(project, 'agent.ts'),
    `import { createAgent } from 'ai-agent-gateway';
export default createAgent({
  systemPrompt: 'You answer in one word.',
  apiKey: 'sk-test',
  providerConfig: { baseURL: ${JSON.stringify(upstream.url)} },
});
`,
  );
  // docs/observability.md's instrumentation file, with the collector's address.
  await writeFile(
    join(project, 'instrumentation.mjs'),
    `import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const exporter = new OTLPTraceExporter({ url: 'http://127.0.0.1:${collectorPort}/v1/traces' });
new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }).register();
`,
  );
  await linkDependencies(project);
  return project;
}

/** Runs `command` in `project`, chats once, and resolves the span names the collector received. */
async function spansOfOneChat(
  command: string,
  args: readonly string[],
  extraEnvironment: NodeJS.ProcessEnv,
): Promise<string[]> {
  const collector = await startCollector();
  const project = await tracedProject(collector.port);
  const started = runInProject(project, command, args, {
    ...stubEnvironment(),
    ...extraEnvironment,
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
  });
  cleanup.add(started, (each) => each.stop());
  const url = await listeningUrl(started);
  expect(await chatOnce(url)).toContain('Traced.');
  // The batch processor exports every 5 s.
  await expect
    .poll(() => collector.spanNames.some((name) => name.startsWith('invoke_agent')), {
      timeout: 30_000,
      interval: 200,
    })
    .toBe(true);
  return collector.spanNames;
}

describe('tracing with agent-gateway serve, as docs/observability.md shows it', () => {
  it('node --import ./instrumentation.mjs ./node_modules/.bin/agent-gateway serve agent.ts exports the run spans', async () => {
    const names = await spansOfOneChat(
      'node',
      [
        '--import',
        './instrumentation.mjs',
        './node_modules/.bin/agent-gateway',
        'serve',
        'agent.ts',
        '--port',
        '0',
        '--no-database',
      ],
      {},
    );
    expect(names).toContain('invoke_agent agent');
    expect(names.some((name) => name.startsWith('chat '))).toBe(true);
  }, 120_000);

  it('NODE_OPTIONS="--import ./instrumentation.mjs" npx agent-gateway serve agent.ts exports the run spans', async () => {
    const names = await spansOfOneChat(
      'npx',
      ['agent-gateway', 'serve', 'agent.ts', '--port', '0', '--no-database'],
      { NODE_OPTIONS: '--import ./instrumentation.mjs' },
    );
    expect(names).toContain('invoke_agent agent');
  }, 120_000);
});
