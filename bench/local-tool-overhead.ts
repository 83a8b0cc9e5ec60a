/**
 * What the gateway adds to a call of a local tool handler: N calls through
 * `createToolDispatcher({ handlers }).dispatch(...)` (interceptor and approval stages, resolver,
 * abort race) and through the agent loop's `executeToolCall` (which adds the per-call timeout,
 * the tool_call_start/complete events and the result block), each against calling the same
 * handler directly. The paths alternate in short rounds so that drift hits all alike. Writes
 * bench/results/local-tool-overhead.json next to this file.
 *
 *   npx tsx bench/local-tool-overhead.ts [calls=20000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeToolCall, type ToolCallSettings } from '../src/agent/execute-tool-call.js';
import type { ToolContext, ToolHandler } from '../src/core/tool.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';
import { pairTools } from '../src/tools/pair-tools.js';
import { round, summarize } from './lib/stats.js';

const calls = Number(process.argv[2] ?? 20_000);
const warmupCalls = 2_000;
const roundSize = 100;

const handler: ToolHandler = (input) => ({ echoed: input['value'] ?? null });
const dispatcher = createToolDispatcher({
  tools: pairTools({ bench_echo: handler }, [
    { name: 'bench_echo', description: 'Echoes.', input_schema: { type: 'object', properties: {} } },
  ]),
});
// One long-lived signal for every call, as one run passes: it must not collect listeners.
const signal = new AbortController().signal;
const input = { value: 'ping' };
const context: ToolContext = {
  toolCallId: 'call',
  toolName: 'bench_echo',
  callIndex: 0,
  sessionId: 'bench',
  resolvedQualifier: '',
  signal,
  emit: () => undefined,
};
const settings: ToolCallSettings = {
  tools: dispatcher,
  sessionId: 'bench',
  emit: () => undefined,
  signal,
  excludedTools: new Set(),
  toolCallTimeoutMs: 120_000,
  executionLocation: () => 'backend',
  onToolResult: undefined,
  onToolTiming: undefined,
  logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
};
const block = { type: 'tool_use' as const, id: 'call', name: 'bench_echo', input };

const paths = {
  direct: async (): Promise<number> => {
    const started = performance.now();
    await handler(input, context);
    return performance.now() - started;
  },
  dispatch: async (): Promise<number> => {
    const started = performance.now();
    const outcome = await dispatcher.dispatch(
      { id: 'call', name: 'bench_echo', input, callIndex: 0 },
      {
        sessionId: 'bench',
        signal,
        emit: () => undefined,
      },
    );
    const elapsed = performance.now() - started;
    if (!outcome.ok) throw new Error(`dispatch failed: ${JSON.stringify(outcome.error)}`);
    return elapsed;
  },
  loop: async (): Promise<number> => {
    const started = performance.now();
    const executed = await executeToolCall(block, 0, settings);
    const elapsed = performance.now() - started;
    if (!executed.outcome.ok) throw new Error('loop call failed');
    return elapsed;
  },
};
type PathName = keyof typeof paths;
const names = Object.keys(paths) as PathName[];
const times: Record<PathName, number[]> = { direct: [], dispatch: [], loop: [] };

for (let index = 0; index < warmupCalls; index += 1) for (const name of names) await paths[name]();
for (let round = 0; round * roundSize < calls; round += 1) {
  const size = Math.min(roundSize, calls - round * roundSize);
  const order = names.map((_, offset) => names[(round + offset) % names.length] as PathName);
  for (const name of order)
    for (let index = 0; index < size; index += 1) times[name].push(await paths[name]());
}

const direct = summarize(times.direct);
const dispatch = summarize(times.dispatch);
const loop = summarize(times.loop);
const report = {
  benchmark: 'local-tool-overhead',
  date: new Date().toISOString(),
  callsPerPath: calls,
  directMs: direct,
  dispatchMs: dispatch,
  loopMs: loop,
  addedByDispatchMs: { p50: round(dispatch.p50 - direct.p50, 4), p99: round(dispatch.p99 - direct.p99, 4) },
  addedByLoopMs: { p50: round(loop.p50 - direct.p50, 4), p99: round(loop.p99 - direct.p99, 4) },
  targetAddedP99Ms: 0.2,
};
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'local-tool-overhead.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `local tool: direct p99 ${direct.p99} ms, dispatch p99 ${dispatch.p99} ms, loop p99 ${loop.p99} ms ` +
    `(added p99: dispatch ${report.addedByDispatchMs.p99} ms, loop ${report.addedByLoopMs.p99} ms)`,
);
