/**
 * What the circuit breaker costs on the hot path: one model turn through the agent loop (the
 * scripted provider, one short text answer, the run's event log) with no fallback (the breaker
 * only hears the success) against the same turn with a fallback model configured (the breaker
 * is also asked whether the first model's circuit is open), plus the two breaker calls alone.
 * The paths alternate in short rounds so that drift hits all alike; the figure that matters is
 * the ratio of the two loop paths, measured in the same run. Writes
 * bench/results/circuit-breaker-check.json next to this file.
 *
 *   npx tsx bench/circuit-breaker-check.ts [turns=3000]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgentLoop } from '../src/agent/create-agent-loop.js';
import { createCircuitBreaker } from '../src/agent/create-circuit-breaker.js';
import { EventLog } from '../src/agent/event-log.js';
import { silentLogger } from '../src/core/logger.js';
import { createScriptedProvider } from '../src/testing/scripted-provider.js';
import { textTurn } from '../src/testing/scripted-turn.js';
import { createToolDispatcher } from '../src/tools/tool-dispatcher.js';
import { round, summarize } from './lib/stats.js';

const turns = Number(process.argv[2] ?? 3_000);
const warmupTurns = 300;
const roundSize = 50;

const provider = createScriptedProvider({ name: 'anthropic' });
const backup = createScriptedProvider({ name: 'openai' });
const tools = createToolDispatcher({});
const breaker = createCircuitBreaker();
const common = {
  provider,
  model: 'claude-main',
  logger: silentLogger,
  stubWordDelayMs: 0,
  circuitBreaker: breaker,
};
const withoutFallback = createAgentLoop(common);
const withFallback = createAgentLoop({ ...common, fallback: [{ provider: backup, model: 'gpt-backup' }] });
const answer = textTurn('A short answer of a few words.', { usage: { inputTokens: 10, outputTokens: 8 } });

const turnOn = (loop: typeof withoutFallback) => async (): Promise<number> => {
  provider.enqueue(answer);
  const started = performance.now();
  const result = await loop.run({
    messages: [{ role: 'user', content: 'hello' }],
    eventLog: new EventLog(),
    sessionId: 'bench',
    tools,
  });
  const elapsed = performance.now() - started;
  if (result.outcome !== 'completed') throw new Error(`turn failed: ${result.error ?? result.outcome}`);
  return elapsed;
};
const breakerCalls = (): Promise<number> => {
  const started = performance.now();
  for (let index = 0; index < 1_000; index += 1) {
    if (breaker.isOpen('anthropic', 'claude-main')) throw new Error('the circuit opened');
    breaker.recordSuccess('anthropic', 'claude-main');
  }
  // Nanoseconds per check and success (milliseconds would round to 0).
  return Promise.resolve(((performance.now() - started) * 1_000_000) / 1_000);
};

const paths = { withoutFallback: turnOn(withoutFallback), withFallback: turnOn(withFallback), breakerCalls };
type PathName = keyof typeof paths;
const names = Object.keys(paths) as PathName[];
const times: Record<PathName, number[]> = { withoutFallback: [], withFallback: [], breakerCalls: [] };

for (let index = 0; index < warmupTurns; index += 1) for (const name of names) await paths[name]();
for (let roundIndex = 0; roundIndex * roundSize < turns; roundIndex += 1) {
  const size = Math.min(roundSize, turns - roundIndex * roundSize);
  const order = names.map((_, offset) => names[(roundIndex + offset) % names.length] as PathName);
  for (const name of order)
    for (let index = 0; index < size; index += 1) times[name].push(await paths[name]());
}
provider.assertAllConsumed();
backup.assertAllConsumed();

const without = summarize(times.withoutFallback);
const withCheck = summarize(times.withFallback);
const calls = summarize(times.breakerCalls);
const report = {
  benchmark: 'circuit-breaker-check',
  date: new Date().toISOString(),
  turnsPerPath: turns,
  turnWithoutFallbackMs: without,
  turnWithFallbackMs: withCheck,
  breakerCheckAndSuccessNs: calls,
  ratioP50: round(withCheck.p50 / without.p50, 3),
  ratioP99: round(withCheck.p99 / without.p99, 3),
  breakerShareOfTurnP50: round(calls.p50 / 1_000_000 / without.p50, 6),
};
const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(join(resultsDir, 'circuit-breaker-check.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(
  `one turn: p50 ${without.p50} ms without fallback, ${withCheck.p50} ms with (ratio ${report.ratioP50}; ` +
    `p99 ratio ${report.ratioP99}); breaker check + success ${calls.p50} ns ` +
    `(${round(report.breakerShareOfTurnP50 * 100, 3)}% of a turn)`,
);
