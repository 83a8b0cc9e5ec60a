/**
 * CPU per chat of the whole stack in one process: load client → gateway (`createAgent` on a
 * real `@hono/node-server` socket, Anthropic SDK) → mock upstream, and the direct path (load
 * client → SDK → mock) for reference, `concurrency` chats at a time. One process, one thread:
 * its CPU time is the sum of the three parts and does not include waiting, so other work on a
 * shared machine moves it far less than latency or throughput (which swung by ±50% between runs
 * at load 9). `gateway − direct` is what the gateway adds per chat: its HTTP hop, its code, its
 * SDK call and its SSE re-encoding. Prints the median of `rounds` rounds.
 *
 *   node <build>/bench/stack-cpu-per-chat.js [chats=2000] [rounds=5] [concurrency=8]
 *
 * Run it from two compiled trees alternately for an A/B of gateway changes.
 */
import { setMaxListeners } from 'node:events';
import { createAgent } from '../src/server/assembly/create-agent.js';
import { tool } from '../src/tools/define-tool.js';
import { createMockUpstream } from '../src/testing/mock-upstream/mock-upstream.js';
import { BENCH_TOOL_NAME, benchTurn, formatDirective } from './lib/bench-directive.js';
import { createDirectSdkClient } from './lib/direct-sdk-client.js';
import { createGatewayLoadClient } from './lib/gateway-load-client.js';
import { mapLimited } from './lib/run-workers.js';
import { median, round } from './lib/stats.js';

const chats = Number(process.argv[2] ?? 2_000);
const rounds = Number(process.argv[3] ?? 5);
const concurrency = Number(process.argv[4] ?? 8);

const upstream = await createMockUpstream({ respond: benchTurn, recordRequests: false });
const app = createAgent({
  systemPrompt: 'You are the benchmark agent.',
  provider: 'anthropic',
  apiKey: 'bench-key',
  providerConfig: { baseURL: upstream.url },
  tools: [
    tool({
      name: BENCH_TOOL_NAME,
      description: 'Echoes its input back.',
      inputSchema: { type: 'object', properties: { value: { type: 'string' } } },
      execute: (input) => ({ echoed: input['value'] ?? null }),
    }),
  ],
});
const server = await app.listen({ host: '127.0.0.1', port: 0 });
const gateway = createGatewayLoadClient(`${server.url}${app.prefix}`);
const direct = createDirectSdkClient(upstream.url);
const tokens = await mapLimited(
  Array.from({ length: concurrency }, (_, index) => index),
  concurrency,
  () => gateway.openSession(),
);
setMaxListeners(0);

let sequence = 0;
const viaGateway = async (): Promise<void> => {
  await mapLimited(
    Array.from({ length: chats }, (_, index) => index),
    concurrency,
    async (index) => {
      const observation = await gateway.chat(tokens[index % concurrency] ?? '', {
        text: formatDirective({ kind: 'short', words: 8 }, `g${sequence++}`),
      });
      if (observation.terminal !== 'stream_complete')
        throw new Error(`chat failed: ${observation.errorText}`);
    },
  );
};
const viaDirect = async (): Promise<void> => {
  await mapLimited(
    Array.from({ length: chats }, (_, index) => index),
    concurrency,
    async () => {
      const observation = await direct.chat({
        text: formatDirective({ kind: 'short', words: 8 }, `d${sequence++}`),
      });
      if (observation.terminal !== 'stream_complete')
        throw new Error(`chat failed: ${observation.errorText}`);
    },
  );
};
const cpuPerChat = async (path: () => Promise<void>): Promise<number> => {
  const before = process.cpuUsage();
  await path();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / chats;
};

await viaGateway();
await viaDirect();
const gatewayRuns: number[] = [];
const directRuns: number[] = [];
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  if (roundIndex % 2 === 0) {
    gatewayRuns.push(await cpuPerChat(viaGateway));
    directRuns.push(await cpuPerChat(viaDirect));
  } else {
    directRuns.push(await cpuPerChat(viaDirect));
    gatewayRuns.push(await cpuPerChat(viaGateway));
  }
}
await app.close();
await server.close();
await upstream.close();
const gatewayMedian = median(gatewayRuns);
const directMedian = median(directRuns);
console.log(
  `stack CPU per chat (one process, c=${concurrency}): gateway path ${round(gatewayMedian)} ms, direct ${round(directMedian)} ms, ` +
    `added ${round(gatewayMedian - directMedian)} ms (median of ${rounds} rounds of ${chats})`,
);
