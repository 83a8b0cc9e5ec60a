/**
 * A persistent agent on a heartbeat: every INTERVAL_MS (default 30 minutes) it checks a
 * (simulated) queue with a local tool and stays quiet while nothing needs a person. Anything
 * else is an alert, printed here (deliver it to Telegram or a webhook in `onAlert`). The loop's
 * state (tick count, error streak and backoff) survives restarts in STATE_DIR, and every tick
 * continues one stored thread (the embedded database in STATE_DIR/threads), so the agent
 * remembers what it saw before; past `compaction.trigger` the thread is compacted once and
 * stays compacted.
 *
 *   npx tsx heartbeat.ts                 # runs until Ctrl-C
 *   MAX_TICKS=2 INTERVAL_MS=1000 npx tsx heartbeat.ts
 *
 * Without ANTHROPIC_API_KEY every tick answers with the stub reply, which counts as an alert.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { HeartbeatLoop, runAutonomous, tool } from 'ai-agent-gateway';

const readQueue = tool({
  name: 'read_queue',
  description: 'Read the depth and the oldest age of the job queue.',
  inputSchema: z.object({}),
  idempotent: true,
  execute: () => ({ depth: 3, oldest_job_age_s: 42, checked_at: new Date().toISOString() }),
});

const stateDir = process.env.STATE_DIR ?? join(import.meta.dirname, '.state');
const maxTicks = process.env.MAX_TICKS === undefined ? undefined : Number(process.env.MAX_TICKS);

const loop = new HeartbeatLoop({
  thread: 'queue-watch',
  database: { embedded: { dir: join(stateDir, 'threads') } },
  runFn: (signal, thread) =>
    runAutonomous({
      systemPrompt:
        'You watch a job queue. Call read_queue. If the depth is under 100 and the oldest job is ' +
        'younger than 10 minutes, answer exactly HEARTBEAT_OK; otherwise say what is wrong and ' +
        'how it compares with your earlier checks.',
      tools: [readQueue],
      maxTurns: 4,
      compaction: { trigger: 50_000 },
      headless: { initialMessage: 'Heartbeat check.', stateDir, signal, timeoutMs: 60_000, ...thread },
    }),
  config: {
    intervalMs: Number(process.env.INTERVAL_MS ?? 30 * 60 * 1000),
    stateDir,
    ...(maxTicks === undefined ? {} : { maxTicks }),
  },
  onQuiet: (_output, state) => console.log(`tick ${state.tickCount}: quiet`),
  onAlert: (output, state) => console.log(`tick ${state.tickCount}: ALERT ${output.response}`),
  onError: (error, state) => console.error(`tick ${state.tickCount}: error`, error),
});
process.once('SIGINT', () => loop.stop());
process.once('SIGTERM', () => loop.stop());
await loop.start();
