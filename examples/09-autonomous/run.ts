/**
 * Autonomous run: an agent that works on its own, once, from cron — no HTTP server, no client.
 *
 * It checks a (simulated) status endpoint with a local `read_status` tool, remembers what it saw
 * in `state.json` between runs, and, when TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID are set, sends
 * a summary to Telegram. The exit code says how the run went (0 ok, 1 error, 2 budget, 3 turn
 * limit, 124 timeout), so cron and CI can react to it.
 *
 *   npx tsx examples/09-autonomous/run.ts
 *   STATE_DIR=/var/lib/status-agent npx tsx examples/09-autonomous/run.ts
 *
 * Without ANTHROPIC_API_KEY the run answers with the stub reply and still writes its state.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { runAutonomous, tool } from 'ai-agent-gateway';
import { runOutputExitCode, runOutputOutcome } from 'ai-agent-gateway/headless';
import type { DeliveryConfig } from 'ai-agent-gateway/headless';

/** A stand-in for your monitoring API. */
const readStatus = tool({
  name: 'read_status',
  description: 'Read the current status of the production services (latency, error rate, queue depth).',
  inputSchema: z.object({
    service: z.enum(['api', 'worker', 'all']).default('all').describe('Which service to read.'),
  }),
  execute: ({ service }) => {
    const services = {
      api: { healthy: true, p95_latency_ms: 180, error_rate: 0.002 },
      worker: { healthy: true, queue_depth: 12 },
    };
    return {
      checked_at: new Date().toISOString(),
      ...(service === 'all' ? services : { [service]: services[service] }),
    };
  },
});

const systemPrompt = `You are an operations agent that runs every morning without a human present.
Call read_status, compare with what you noted last time (given below if any), and report in a few
lines what changed and what needs attention.
End your answer with a "## STATE_UPDATE_JSON" heading followed by a \`\`\`json block holding what
you want to remember for the next run, e.g. {"last_latency_ms": 180, "alerts": ["…"]}.`;

const token = process.env.TELEGRAM_BOT_TOKEN;
const chatId = process.env.TELEGRAM_CHAT_ID;
const delivery: DeliveryConfig | undefined =
  token && chatId ? { telegram: { botToken: token, chatId, label: 'Morning status' } } : undefined;

const output = await runAutonomous({
  systemPrompt,
  tools: [readStatus],
  maxTurns: 6,
  maxBudgetUsd: 0.25,
  headless: {
    initialMessage: 'Run the morning status check.',
    timeoutMs: 120_000,
    // Keeps state.json (the model's STATE_UPDATE_JSON merged with run bookkeeping) between runs.
    stateDir: process.env.STATE_DIR ?? join(import.meta.dirname, '.state'),
    ...(delivery === undefined ? {} : { delivery }),
  },
});

console.log(output.response);
console.error(`outcome: ${runOutputOutcome(output)}; tools used: ${output.toolsUsed.join(', ') || 'none'}`);
process.exitCode = runOutputExitCode(output);
