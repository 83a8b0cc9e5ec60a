/**
 * A production setup on the lower-level API: `createGatewayApp` with a runtime built per request
 * from `runAgent` + `createToolDispatcher`, instead of `createAgent`.
 *
 * - only the API key `demo-key` may open a session; sessions last two hours;
 * - CORS for two explicit origins; one allowed model;
 * - `write_report` needs human approval, `list_reports` does not;
 * - the `web` channel (`context.channel` in the chat body) gets a Markdown hint in its prompt;
 * - JSONL logs from `hooks.onEvent` / `onRunUsage` / `onToolTiming`, plus a transcript per session;
 * - per chat: 90 s per model turn, a $0.50 budget, at most 8 turns;
 * - `onStartup` / `onShutdown` prepare and flush the files.
 *
 * Files go to `$DATA_DIR` (default: a folder in the OS temp directory).
 *
 *   npx agent-gateway serve examples/07-full-production/agent.ts
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createAnthropicProvider, createGatewayApp, tool } from 'ai-agent-gateway';
import { runAgent } from 'ai-agent-gateway/agent';
import { createToolDispatcher } from 'ai-agent-gateway/tools';
import type { NeedsApproval, SystemPrompt } from 'ai-agent-gateway';
import { createJsonlLog } from './jsonl-log.js';

const MODEL = 'claude-sonnet-4-6';
const dataDirectory = process.env.DATA_DIR ?? join(tmpdir(), 'ai-agent-gateway-production');
const reportsDirectory = join(dataDirectory, 'reports');
const log = createJsonlLog(join(dataDirectory, 'logs', 'gateway.jsonl'));

// Reads ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL) from the environment. Without a key the
// runner answers with a stub reply, so the deployment can be smoke-tested before it has one.
const provider = createAnthropicProvider();

const BASE_PROMPT =
  'You are a reporting assistant for an operations team. Use list_reports to see existing reports ' +
  'and write_report to save a new one; saving needs a human to approve it.';
const WEB_HINT = 'The user reads your answers in a web UI that renders Markdown: use headings and lists.';

const writeReport = tool({
  name: 'write_report',
  description: 'Save a report as a Markdown file. Requires human approval.',
  inputSchema: z.object({
    title: z
      .string()
      .regex(/^[A-Za-z0-9][\w-]{0,79}$/, 'letters, digits, - and _ only')
      .describe('Short slug, e.g. weekly-incidents'),
    body: z.string().max(50_000).describe('Markdown content.'),
  }),
  execute: async ({ title, body }) => {
    await mkdir(reportsDirectory, { recursive: true });
    const path = join(reportsDirectory, `${title}.md`);
    await writeFile(path, body, 'utf8');
    return { saved: `${title}.md` };
  },
});

const listReports = tool({
  name: 'list_reports',
  description: 'List the saved reports.',
  inputSchema: z.object({}),
  execute: async () => {
    const names = await readdir(reportsDirectory).catch(() => []);
    return { reports: names.filter((name) => name.endsWith('.md')).sort() };
  },
});

// Custom approval logic: anything that writes needs a human, reads do not.
const needsApproval: NeedsApproval = (toolName) => toolName === 'write_report';

/** Prompt per channel; the first part is marked cacheable because every chat repeats it. */
const promptFor = (channel: string | undefined): SystemPrompt =>
  channel === 'web'
    ? [
        [BASE_PROMPT, true],
        [WEB_HINT, false],
      ]
    : BASE_PROMPT;

export default createGatewayApp({
  defaultModel: MODEL,
  buildChatRuntime: ({ request, channel }) => ({
    systemPrompt: promptFor(channel),
    model: request.model ?? MODEL,
    maxTurns: 8,
    createRunner(context) {
      // One dispatcher per chat, wired to this session's approval transport and its
      // "always allow" set.
      const dispatcher = createToolDispatcher({
        tools: [writeReport, listReports],
        needsApproval,
        requestApproval: context.requestApproval,
        approvedToolTypes: context.approvedToolTypes,
      });
      // The server calls run() once per chat with the history, prompt and signal.
      return {
        run: (input) =>
          runAgent({
            provider,
            tools: dispatcher,
            eventLog: context.eventLog,
            sessionId: context.session.sessionId,
            getToolDefinitions: () => dispatcher.getToolDefinitions(),
            turnTimeoutMs: 90_000,
            maxBudgetUsd: 0.5,
            maxTurns: 8,
            // Checkpoints let another instance continue this run if this one dies (Redis mode).
            ...(context.onCheckpoint === undefined ? {} : { onCheckpoint: context.onCheckpoint }),
            ...input,
            model: input.model ?? MODEL,
          }),
      };
    },
  }),
  hooks: {
    // Text deltas are left out of the log: the transcript already has every event.
    onEvent: (event, sessionId) => {
      if (event.type !== 'text_delta' && event.type !== 'thinking_delta' && event.type !== 'heartbeat') {
        log.write({ kind: 'event', session_id: sessionId, event });
      }
    },
    onRunUsage: (usage) => log.write({ kind: 'usage', ...usage }),
    onToolTiming: (timing) =>
      log.write({
        kind: 'tool_timing',
        session_id: timing.sessionId,
        tool: timing.toolName,
        duration_ms: timing.durationMs,
        is_error: timing.isError,
      }),
  },
  server: {
    // Keep one secret across restarts and instances, or every restart logs everyone out.
    ...(process.env.JWT_SECRET ? { jwtSecret: process.env.JWT_SECRET } : {}),
    validApiKeys: ['demo-key'],
    sessionTtlMs: 7200000,
    cors: { origins: ['https://app.example.com', 'http://localhost:3000'] },
    allowedModels: [MODEL],
    transcriptDir: join(dataDirectory, 'transcripts'),
    onStartup: async () => {
      await mkdir(reportsDirectory, { recursive: true });
      log.write({ kind: 'startup', model: MODEL, data_dir: dataDirectory });
    },
    onShutdown: async () => {
      log.write({ kind: 'shutdown' });
      await log.close();
      await provider.close?.();
    },
  },
});
