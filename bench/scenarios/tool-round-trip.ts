import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { show, table, type BenchConfig, type Scenario } from '../lib/scenario.js';

const run = promisify(execFile);
const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Percentiles {
  p50: number;
  p99: number;
}

/**
 * Runs one of the standalone overhead scripts (compiled when there is a build) and reads the
 * JSON it writes next to itself.
 */
async function runScript(config: BenchConfig, name: string, calls: number): Promise<Record<string, unknown>> {
  const root = config.buildDir === undefined ? benchDir : join(config.buildDir, 'bench');
  const script = join(root, config.buildDir === undefined ? `${name}.ts` : `${name}.js`);
  const flags = config.buildDir === undefined ? ['--import', 'tsx'] : [];
  const { stdout } = await run(process.execPath, [...flags, script, String(calls)], {
    cwd: join(benchDir, '..'),
    maxBuffer: 2 ** 20,
  });
  process.stdout.write(stdout.replace(/^/gm, '  '));
  return JSON.parse(readFileSync(join(root, 'results', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

const percentiles = (report: Record<string, unknown>, key: string): Percentiles => {
  const value = report[key] as Partial<Percentiles> | undefined;
  return { p50: value?.p50 ?? Number.NaN, p99: value?.p99 ?? Number.NaN };
};

/** Scenario 4: what the gateway adds to a tool call, local handler and MCP stdio. */
export const toolRoundTripScenario: Scenario = {
  id: 'tools',
  title: '4. Tool round trip',
  method: (config) =>
    `Local: \`bench/local-tool-overhead.ts\` — ${config.toolCalls} calls per path of an echo handler, ` +
    'directly, through `ToolDispatcher.dispatch` (interceptors, approval check, resolver, abort race) and ' +
    "through the loop's `executeToolCall` (adds the per-call timeout, `tool_call_start`/`tool_call_complete` " +
    'and the result block), alternating in rounds of 100 after 2,000 warm-up calls. MCP: ' +
    `\`bench/mcp-call-overhead.ts\` — ${config.mcpCalls} \`echo\` calls per path to a running stdio ` +
    '`server-everything`, through the dispatcher and the MCP client manager vs a raw SDK `client.callTool` ' +
    '(see the MCP section below for its method). Both run as compiled JavaScript in their own process.',
  targets: [
    {
      label: 'local dispatch overhead p99 ≤ 0.2 ms',
      figure: 'localDispatchAddedP99Ms',
      limit: 0.2,
      kind: 'atMost',
      unit: 'ms',
    },
    {
      label: 'MCP call overhead p50 ≤ 0.3 ms',
      figure: 'mcpAddedP50Ms',
      limit: 0.3,
      kind: 'atMost',
      unit: 'ms',
    },
  ],
  async run(config) {
    const local = await runScript(config, 'local-tool-overhead', config.toolCalls);
    const mcp = await runScript(config, 'mcp-call-overhead', config.mcpCalls);
    const direct = percentiles(local, 'directMs');
    const dispatch = percentiles(local, 'dispatchMs');
    const loop = percentiles(local, 'loopMs');
    const mcpGateway = percentiles(mcp, 'gatewayMs');
    const mcpRaw = percentiles(mcp, 'rawSdkMs');
    const mcpAdded = percentiles(mcp, 'addedMs');
    return {
      figures: {
        localDirectP50Ms: direct.p50,
        localDirectP99Ms: direct.p99,
        localDispatchP50Ms: dispatch.p50,
        localDispatchP99Ms: dispatch.p99,
        localLoopP50Ms: loop.p50,
        localLoopP99Ms: loop.p99,
        localDispatchAddedP50Ms: percentiles(local, 'addedByDispatchMs').p50,
        localDispatchAddedP99Ms: percentiles(local, 'addedByDispatchMs').p99,
        localLoopAddedP50Ms: percentiles(local, 'addedByLoopMs').p50,
        localLoopAddedP99Ms: percentiles(local, 'addedByLoopMs').p99,
        mcpGatewayP50Ms: mcpGateway.p50,
        mcpGatewayP99Ms: mcpGateway.p99,
        mcpRawP50Ms: mcpRaw.p50,
        mcpRawP99Ms: mcpRaw.p99,
        mcpAddedP50Ms: mcpAdded.p50,
        mcpAddedP99Ms: mcpAdded.p99,
      },
    };
  },
  render: (figures) =>
    table(
      ['path', 'p50 (ms)', 'p99 (ms)', 'added p50 (ms)', 'added p99 (ms)'],
      [
        [
          'local handler called directly',
          show(figures['localDirectP50Ms'], 4),
          show(figures['localDirectP99Ms'], 4),
          '',
          '',
        ],
        [
          'local handler via `dispatch`',
          show(figures['localDispatchP50Ms'], 4),
          show(figures['localDispatchP99Ms'], 4),
          show(figures['localDispatchAddedP50Ms'], 4),
          `**${show(figures['localDispatchAddedP99Ms'], 4)}**`,
        ],
        [
          'local handler via the loop (`executeToolCall`)',
          show(figures['localLoopP50Ms'], 4),
          show(figures['localLoopP99Ms'], 4),
          show(figures['localLoopAddedP50Ms'], 4),
          show(figures['localLoopAddedP99Ms'], 4),
        ],
        ['MCP stdio, raw SDK `callTool`', show(figures['mcpRawP50Ms']), show(figures['mcpRawP99Ms']), '', ''],
        [
          'MCP stdio via `dispatch` → MCP manager',
          show(figures['mcpGatewayP50Ms']),
          show(figures['mcpGatewayP99Ms']),
          `**${show(figures['mcpAddedP50Ms'])}**`,
          show(figures['mcpAddedP99Ms']),
        ],
      ],
    ),
};
