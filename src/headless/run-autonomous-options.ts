import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RemoteToolSource } from '../core/tool.js';
import { agentSpecShape } from '../agent-spec/agent-spec.js';
import { objectOf, positiveInteger, positiveNumber } from '../agent-spec/parse-spec.js';
import { deliverySchema } from './delivery/delivery-config.js';
import { DEFAULT_STATE_FILE } from './state/state-file.js';
import { headlessThreadShape } from './thread/headless-thread-options.js';

/** Settings only a headless run has: its first message, time limit, state and delivery. */
export const headlessSpecSchema = z.strictObject({
  /** The user message the run starts from (required). */
  initialMessage: z.string().trim().min(1, 'must be a non-empty string'),
  /** Wall-clock limit of the whole run, in ms. */
  timeoutMs: positiveNumber().default(600_000),
  /** Keep state between runs in `<stateDir>/<stateFile>`. */
  stateDir: z.string().trim().min(1, 'must be a non-empty path').optional(),
  /** File name of the state. */
  stateFile: z.string().trim().min(1, 'must be a non-empty file name').default(DEFAULT_STATE_FILE),
  /** Where the result is reported (Telegram, webhook, callback). */
  delivery: deliverySchema.optional(),
  /** Session id of the run, seen by tools and hooks; `autonomous-<random>` when left out. */
  sessionId: z
    .string()
    .trim()
    .min(1, 'must be a non-empty string')
    .default(() => `autonomous-${randomBytes(8).toString('hex')}`),
  /** Cancels the run. */
  signal: z.instanceof(AbortSignal, { message: 'must be an AbortSignal' }).optional(),
  /** Tools the model is not offered in this run. */
  excludedTools: z.array(z.string()).optional(),
  /** Tools from a source the caller owns and closes (instead of `mcp`). */
  remote: objectOf<RemoteToolSource>('a RemoteToolSource').optional(),
  ...headlessThreadShape,
});

/** `runAutonomous`'s options: the agent spec plus the `headless` group. */
export const runAutonomousSchema = z
  .strictObject({
    ...agentSpecShape,
    /** Model turns the run may take: a headless run has no one to stop it, so it has a limit. */
    maxTurns: positiveInteger().default(40),
    /** How this run starts, how long it may take, and where its result goes (required). */
    headless: headlessSpecSchema,
  })
  .superRefine((spec, context) => {
    if (spec.codeExecution !== undefined && spec.codeExecution !== false) {
      context.addIssue({
        code: 'custom',
        path: ['codeExecution'],
        message: 'is not available in headless runs yet (serve the agent to use it)',
      });
    }
    if (spec.tools?.some((tool) => 'runsOn' in tool)) {
      context.addIssue({
        code: 'custom',
        path: ['tools'],
        message: "holds client-side tools (execute: 'client'), which a headless run has no client for",
      });
    }
    if (
      spec.headless.remote !== undefined &&
      (spec.mcp?.servers !== undefined || spec.mcp?.configPath !== undefined)
    ) {
      context.addIssue({
        code: 'custom',
        path: ['headless', 'remote'],
        message: 'give either headless.remote or mcp servers, not both',
      });
    }
    const { thread, database } = spec.headless;
    if (thread !== undefined && (database === undefined || database === false)) {
      context.addIssue({
        code: 'custom',
        path: ['headless', 'database'],
        message: "is needed to keep headless.thread: 'embedded', { postgres: url } or a ThreadStore",
      });
    }
    if (thread === undefined && database !== undefined && database !== false) {
      context.addIssue({
        code: 'custom',
        path: ['headless', 'thread'],
        message: 'is needed with headless.database: name the thread the run continues',
      });
    }
  });

/**
 * Options of `runAutonomous`: one `AgentSpec` (the same as `createAgent`'s, without `server`)
 * plus a `headless` group. Durations are in milliseconds.
 */
export type RunAutonomousOptions = z.input<typeof runAutonomousSchema>;

/** `RunAutonomousOptions` after checking, defaults applied. */
export type ParsedRunAutonomousOptions = z.output<typeof runAutonomousSchema>;

/** The `headless` group of `runAutonomous`. */
export type HeadlessSpec = z.input<typeof headlessSpecSchema>;
