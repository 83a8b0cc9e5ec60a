/**
 * What the gateway adds to an MCP tool call: N sequential `echo` calls to an already-running
 * stdio server-everything through `createToolDispatcher({ remote: manager }).dispatch(...)`,
 * against the same number of raw SDK `client.callTool` calls on a separate raw client of the
 * same server program. Both paths run in short interleaved rounds (alternating which goes
 * first) so machine drift and background load hit both equally. Writes bench/results/mcp-call-overhead.json.
 *
 *   npx tsx bench/mcp-call-overhead.ts [calls=2000]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createMcpClientManager } from '../src/tools/mcp/create-mcp-client-manager.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';

const calls = Number(process.argv[2] ?? 2_000);
const warmupCalls = 300;
// Short rounds: both paths see the same background load (this machine may be busy).
const roundSize = 10;

const require = createRequire(import.meta.url);
const manifestPath = require.resolve('@modelcontextprotocol/server-everything/package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { bin: Record<string, string> };
const everythingBin = join(dirname(manifestPath), Object.values(manifest.bin)[0] ?? 'dist/index.js');
const serverArgs = [everythingBin, 'stdio'];
const quiet = { debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error };

const manager = createMcpClientManager({
  configPath: null,
  servers: { everything: { command: process.execPath, args: serverArgs } },
  logger: quiet,
});
const rawClient = new Client({ name: 'raw-bench-client', version: '1.0.0' });
const rawTransport = new StdioClientTransport({
  command: process.execPath,
  args: serverArgs,
  stderr: 'ignore',
});

try {
  await Promise.all([manager.start(), rawClient.connect(rawTransport)]);
  if (!manager.hasTool('echo')) throw new Error('server-everything did not start');
  await rawClient.listTools();

  const dispatcher = createToolDispatcher({ remote: manager });
  // One long-lived signal for every call, as a long chat would pass: it must not collect listeners.
  const environment = { sessionId: 'bench', signal: new AbortController().signal, emit: () => undefined };
  const input = { message: 'benchmark' };

  const viaGateway = async (): Promise<number> => {
    const started = performance.now();
    const outcome = await dispatcher.dispatch({ id: 'call', name: 'echo', input, callIndex: 0 }, environment);
    const elapsed = performance.now() - started;
    if (!outcome.ok) throw new Error(`gateway call failed: ${JSON.stringify(outcome.error)}`);
    return elapsed;
  };
  const viaRawSdk = async (): Promise<number> => {
    const started = performance.now();
    const result = await rawClient.callTool({ name: 'echo', arguments: input });
    const elapsed = performance.now() - started;
    if (result.isError === true) throw new Error('raw call failed');
    return elapsed;
  };

  for (let index = 0; index < warmupCalls; index += 1) {
    await viaGateway();
    await viaRawSdk();
  }

  const gatewayTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let round = 0; round * roundSize < calls; round += 1) {
    const size = Math.min(roundSize, calls - round * roundSize);
    const order = round % 2 === 0 ? (['gateway', 'raw'] as const) : (['raw', 'gateway'] as const);
    for (const path of order) {
      for (let index = 0; index < size; index += 1) {
        if (path === 'gateway') gatewayTimes.push(await viaGateway());
        else rawTimes.push(await viaRawSdk());
      }
    }
  }

  const gateway = summarise(gatewayTimes);
  const raw = summarise(rawTimes);
  const report = {
    benchmark: 'mcp-call-overhead',
    date: new Date().toISOString(),
    command: `npx tsx bench/mcp-call-overhead.ts ${calls}`,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      node: process.version,
      // Context for noisy figures: other work on the machine shifts both paths alike.
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    },
    commit: gitCommit(),
    callsPerPath: calls,
    gatewayMs: gateway,
    rawSdkMs: raw,
    addedMs: { p50: round3(gateway.p50 - raw.p50), p99: round3(gateway.p99 - raw.p99) },
    targetAddedP50Ms: 0.3,
  };
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'mcp-call-overhead.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(
    `MCP call overhead, ${calls} sequential echo calls per path (${report.machine.cpu}, ${report.machine.cores} cores, Node ${process.version})`,
  );
  console.log(`  gateway dispatch  p50 ${gateway.p50.toFixed(3)} ms   p99 ${gateway.p99.toFixed(3)} ms`);
  console.log(`  raw SDK callTool  p50 ${raw.p50.toFixed(3)} ms   p99 ${raw.p99.toFixed(3)} ms`);
  console.log(
    `  added             p50 ${report.addedMs.p50.toFixed(3)} ms   p99 ${report.addedMs.p99.toFixed(3)} ms (target p50 <= 0.3 ms)`,
  );
} finally {
  await Promise.allSettled([manager.close(), rawClient.close()]);
}

function summarise(times: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...times].sort((left, right) => left - right);
  const at = (quantile: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? NaN;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { p50: round3(at(0.5)), p99: round3(at(0.99)), mean: round3(mean) };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
