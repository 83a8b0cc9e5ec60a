import { z } from 'zod';
import type { SessionRecord } from '../../core/stores.js';
import { callable, positiveInteger, positiveNumber } from '../../agent-spec/parse-spec.js';
import { connectionOptionsShape } from '../connections/connection-options.js';
import { databaseSchema } from '../../agent-spec/database-option.js';
import { storeSchema } from './store-option.js';
import { a2aOptionSchema } from './a2a-option.js';
import { hasAcceptedInboxAudience, hasInboxIssuer, inboxOptionSchema } from './inbox-option.js';
import { authOptionSchema } from './auth-option.js';
import type { Authorize } from '../../core/authorization.js';

export { storeSchema, type StoreSpec } from './store-option.js';
import { mcpOptionSchema } from './mcp-option.js';
import { webhooksOptionSchema } from './webhooks-option.js';
import { approvalsOptionSchema } from './approvals-option.js';
import { schedulesOptionSchema } from './schedules-option.js';
import { queuedRunsOptionSchema } from './queued-runs-option.js';
import { multitaskSchema } from './multitask-option.js';
import { shutdownOptionSchema } from './shutdown-option.js';
import { serverLimitsShape } from './server-limits-option.js';
import { serverWaitsShape } from './server-waits-option.js';
import { budgetOptionsShape } from './budgets-option.js';
import { corsSchema } from './cors-option.js';
import { scaleOutShape } from './scale-out-option.js';

const windowSchema = <Count extends string>(count: Count) =>
  z.strictObject({ [count]: positiveInteger(), windowMs: positiveNumber() } as Record<
    Count | 'windowMs',
    z.ZodNumber
  >);

/** The `server` options, before the checks between them. */
const serverOptionsSchema = z.strictObject({
  /**
   * HMAC secret of session tokens. Without it, a gateway with the embedded database keeps one in
   * the database's folder (`session-secret`, mode 0600, made once), so tokens last as long as
   * the threads do; any other gateway makes its own per process (tokens do not survive a
   * restart). Instances sharing a store must share one. A list rotates the secret: its first
   * entry signs new tokens and every entry verifies, so tokens signed with the previous secret
   * stay valid while the list holds it (`['new', 'old']`, then `['new']` once they expired).
   */
  jwtSecret: z
    .union(
      [
        z.string().min(1),
        z.array(z.string().min(1)).min(1, 'must list at least one secret (the first signs, all verify)'),
      ],
      {
        error: 'must be a non-empty string or a non-empty list of them (the first signs, all verify)',
      },
    )
    .optional(),
  /** Session lifetime in ms (one hour). */
  sessionTtlMs: positiveNumber().default(3_600_000),
  /**
   * Accepts a valid, unexpired session token whose session this instance does not hold by
   * restoring the session from the token's claims (its "always allow" grants are not restored).
   * Default: on when sessions are kept in memory and the secret outlives the process
   * (`jwtSecret` set, or kept with the embedded database), so a restart ends no session; off
   * with a shared store (Redis), which remembers sessions itself (a token of a session it no
   * longer holds stays refused).
   */
  restoreSessionsFromTokens: z.boolean().optional(),
  /** Accepted API keys; empty (as by default) accepts any non-empty key. */
  validApiKeys: z.array(z.string().min(1), { error: 'must be an array of keys' }).default(() => []),
  /**
   * Keys among `validApiKeys` held by a backend (never shipped to a browser) that may assert an
   * end user with `user` at `/chat/init`; threads then belong to (key, user). Default none:
   * `user` from any key gets 403 `user_assertion_forbidden`.
   */
  serverSideApiKeys: z.array(z.string().min(1), { error: 'must be an array of keys' }).optional(),
  /**
   * How callers prove who they are (docs/auth.md): `apiKeys` (on by default; the keys are
   * `validApiKeys` and `serverSideApiKeys`), `jwt` (bearer tokens of your OpenID Connect
   * provider, no `/chat/init` needed) and `authenticate` (a hook of your own).
   */
  auth: authOptionSchema.prefault({}),
  /**
   * Asked before every owned action (thread read/write/delete, run start/read/cancel, approval
   * answer, tool call, A2A and MCP call, docs/auth.md): `({ principal, action, resource }) =>
   * boolean | Promise<boolean>`; false or a throw is a 403 (a denied tool call is an error the
   * model reads). It narrows what an owner may do, and may widen a thread or run route to another
   * principal of the caller's tenant (`resource.owner` is then that principal); across tenants
   * nothing is offered to it. Default: every owner may do everything with its own things.
   */
  authorize: callable<Authorize>().optional(),
  /**
   * Approvals the principal whose run asked may never give itself (docs/auth.md): `true` for
   * every tool, or the names of the tools. Its own answer (on every route) is refused with 403
   * `distinct_approver_required` and the call keeps waiting; another principal of its tenant
   * answers it with `POST /runs/:id/tool-approval` when `server.authorize` allows it
   * `approval.answer`. "Always allow" is never applied to such a tool. Default `false`.
   */
  requireDistinctApprover: z
    .union([
      z.boolean(),
      z.array(z.string().min(1), { error: 'must be true, false or an array of tool names' }),
    ])
    .default(false),
  /**
   * Durable threads, runs and approvals (docs/threads.md): `'embedded'` (a data folder),
   * `{ embedded: { dir } }`, `{ postgres: url }`, or a `ThreadStore` of your own (kept open by
   * its owner). Default `false`: no database, the thread routes answer 404.
   */
  database: databaseSchema.optional(),
  /**
   * Retention of threads, in ms: a thread not updated for this long is deleted for good, with
   * its messages, runs and approval records, by a sweep every `threadRetentionSweepIntervalMs`
   * on every instance. Keep it well above `approvalTimeoutMs`. Off by default: threads are kept
   * until deleted. At least one minute: a smaller value is a unit mistake that would delete
   * every thread.
   */
  threadRetentionMs: z
    .number()
    .min(
      60_000,
      'must be at least 60000 (one minute): durations are in milliseconds, e.g. 90 days is 7776000000',
    )
    .optional(),
  /** How often each instance sweeps for threads past `threadRetentionMs`, in ms (ten minutes). */
  threadRetentionSweepIntervalMs: positiveNumber().default(600_000),
  /**
   * With a database, most threads one owner (API key and asserted user) holds: creating one
   * more (`POST /threads`, or a chat naming a new thread id) answers 429
   * `thread_limit_reached` until the owner deletes one. Deleted and retention-swept threads
   * free their place.
   */
  maxThreadsPerOwner: positiveInteger().default(1_000),
  /**
   * With a database, most runs of one owner suspended at once (`suspendAfterMs`): past it a
   * run that waits for its client is not suspended and waits in memory, where it counts against
   * `maxPendingAnswersPerApiKey` and `maxRunsPerApiKey` (the key's next run then gets 429).
   */
  maxSuspendedRunsPerOwner: positiveInteger().default(100),
  /**
   * Without `validApiKeys`, lets `listen()` serve a non-loopback address anyway: any non-empty
   * key then opens a session (a public demo). Off by default: such a `listen()` is refused.
   */
  allowAnyApiKey: z.boolean().default(false),
  /**
   * Live sessions the gateway keeps at once, expired ones not yet swept included; beyond,
   * `/chat/init` gets 503. A session costs a few kilobytes, so 100 000 stay within a few hundred
   * megabytes, more than a busy app opens in its session lifetime.
   */
  maxSessions: positiveInteger().default(100_000),
  /** Sessions one client address may open per window (60 per minute); beyond, 429. */
  sessionRateLimit: windowSchema('sessions').default(() => ({ sessions: 60, windowMs: 60_000 })),
  /** Web pages of other origins that may call the gateway (none by default). */
  cors: corsSchema.prefault({}),
  /** `Host` names served besides the loopback names; others get 421 (DNS rebinding). */
  allowedHosts: z.array(z.string()).optional(),
  /**
   * Models a request may pick with `model`; `[]` allows any. Without it, only the configured
   * model (`createAgent`'s `model`, `createGatewayApp`'s `defaultModel`; with neither, a request
   * may not name a model and the runtime's is used).
   */
  allowedModels: z.array(z.string().trim().min(1), { error: 'must be an array of model names' }).optional(),
  /** Route prefix (`''` or `/` for none). */
  prefix: z.string().default('/api'),
  /**
   * Serves Prometheus metrics at `GET /metrics` (outside the prefix, behind the `Host` check).
   * `true`, or `{ token }` to require `Authorization: Bearer <token>` from the scraper; on an
   * address other than loopback `listen()` refuses to start without a token. Needs the
   * optional `prom-client` package. Off by default.
   */
  metrics: z.union([z.boolean(), z.strictObject({ token: z.string().min(1).optional() })]).default(false),
  /**
   * Serves the playground page at `GET /playground` (and redirects `GET /` to it): chat,
   * approvals, client-side tools, stop and resume from a browser, behind the same session
   * auth as every client. `{ notice }` serves it with a line above the conversation (what
   * `agent-gateway serve --demo` uses to say the answers are scripted). Off by default
   * (`agent-gateway serve` turns it on on loopback).
   */
  playground: z
    .union([z.boolean(), z.strictObject({ notice: z.string().trim().min(1).max(500) })], {
      error: 'must be true, false or { notice: string }',
    })
    .default(false),
  /**
   * Serves the approvals inbox page at `GET /inbox` (docs/approvals-inbox.md): what waits for
   * the signed-in person's approval, answered from a browser or a phone. `true`, `false`, or
   * `{ oidc: { clientId, scopes?, audience? } }` to sign people in with the OpenID Connect
   * provider of `server.auth.jwt` (authorization code with PKCE, a public client). Default: on
   * whenever the gateway authenticates requests (`validApiKeys`, `auth.jwt` or
   * `auth.authenticate`), whatever `playground` says.
   */
  inbox: inboxOptionSchema.optional(),
  /**
   * Serves the agent to other agents over A2A 1.0 at `{prefix}/a2a` (JSON-RPC; the 0.3 method
   * names too), with its agent card at `/.well-known/agent-card.json`: a task is a run, a
   * `contextId` a thread (docs/protocol.md). `true` or `{ name, description, version, url,
   * pushNotifications }`. Off by default.
   */
  a2a: a2aOptionSchema.default(false),
  /**
   * Serves the agent as an MCP server at `{prefix}/mcp` (Streamable HTTP, revisions 2025-11-25
   * and 2026-07-28): one tool whose answer is the run's text, approvals as elicitations
   * (docs/protocol.md). `true` or `{ toolName, toolDescription, serverName, sessionTtlMs }`.
   * Off by default.
   */
  mcp: mcpOptionSchema.default(false),
  /**
   * Webhooks of background runs (`POST /runs`, schedules): Standard Webhooks requests from the
   * database's outbox, retried for a day (`{ url, secret, allowedHosts, timeoutMs, retryForMs,
   * pollIntervalMs }`, docs/protocol.md). Needs `server.database`.
   */
  webhooks: webhooksOptionSchema.optional(),
  /**
   * Where approvals are sent besides the inbox: `{ slack: { botToken, signingSecret, channel,
   * userMap, apiUrl } }` posts each approval a tenant's approver may give to a Slack channel with
   * Approve and Deny buttons (docs/approvals-inbox.md). Needs `server.database`.
   */
  approvals: approvalsOptionSchema.optional(),
  /**
   * How instances fire the schedules of `/schedules` (`{ catchUp: 'one' | 'none',
   * pollIntervalMs, missedAfterMs, minIntervalMs, maxPerOwner }`): each fire once across
   * instances, as a background run. Needs `server.database`.
   */
  schedules: schedulesOptionSchema.optional(),
  /**
   * Bounds of the runs waiting with `multitask: 'enqueue'` (`{ maxPerSession: 10, maxPerOwner:
   * 100, maxBytesPerOwner: 4 MiB }`): past one, `POST /runs` answers 429 `queue_full`.
   */
  queuedRuns: queuedRunsOptionSchema.optional(),
  /**
   * What a message sent while the session's run works does when the request names no
   * `multitask`: `reject` (409, the default), `enqueue`, `interrupt`, `rollback` or `steer`.
   */
  multitask: multitaskSchema.default('reject'),
  /** Directory of JSONL transcripts, one file per session. */
  transcriptDir: z.string().min(1).optional(),
  ...serverLimitsShape,
  ...serverWaitsShape,
  ...budgetOptionsShape,
  /** Period of the expired-session sweep in ms (five minutes). */
  sessionCleanupIntervalMs: positiveNumber().default(300_000),
  /** Shared state. */
  store: storeSchema.default('memory'),
  ...scaleOutShape,
  /**
   * How a shutdown drains (`{ drainDelayMs: 0, timeoutMs: 10 000 }`): readiness 503 at once, the
   * listener kept open for `drainDelayMs`, the runs' ends bounded by `timeoutMs`.
   */
  shutdown: shutdownOptionSchema.prefault({}),
  /** Per-API-key request limit: 429 with `retry-after` once exceeded. */
  rateLimit: windowSchema('requests').optional(),
  /** Per-API-key token budget per window: a new chat gets 429 once it is spent. */
  tokenBudget: windowSchema('tokens').optional(),
  /** Runs once before the first request is served. */
  onStartup: callable<() => void | Promise<void>>().optional(),
  /** Runs once on `close()`, if start-up completed. */
  onShutdown: callable<() => void | Promise<void>>().optional(),
  /** Runs for each expired session (release per-session resources). */
  onSessionExpired: callable<(session: SessionRecord) => void | Promise<void>>().optional(),
  /**
   * Test-only: draws the whole id of each new run (chats, started and enqueued background runs)
   * instead of the draw time and 96 random bits the gateway draws, so that a test can force two
   * runs to draw the same id. An id another run holds (live, queued, or ended less than a minute
   * ago) is drawn again; never set it in production.
   */
  drawRunId: callable<() => string>().optional(),
  /** Where failures nobody awaits are reported; without it, the app's logger. */
  onError: callable<(error: unknown, where: string) => void>().optional(),
  /** Timeouts and caps of client connections (`connections/connection-options.ts`). */
  ...connectionOptionsShape,
});

/**
 * The `server` settings when none is given, from the schema: the fallbacks of the server's own
 * parts (`createRunRegistry`, the SSE session...) when a caller leaves an option out. The
 * per-app random ones (`jwtSecret`, `instanceId`) are left out: nothing falls back on them.
 */
export const serverDefaults = serverOptionsSchema.omit({ jwtSecret: true, instanceId: true }).parse({});

/** Settings only a served agent has: sessions, HTTP limits, streams, scale-out, lifecycle hooks. */
export const serverSpecSchema = serverOptionsSchema
  .refine((server) => server.headersTimeoutMs <= server.requestTimeoutMs, {
    message: 'must not be longer than requestTimeoutMs (a whole request includes its headers)',
    path: ['headersTimeoutMs'],
  })
  .refine(
    (server) => (server.serverSideApiKeys ?? []).every((key) => (server.validApiKeys ?? []).includes(key)),
    { message: 'must list only keys of validApiKeys', path: ['serverSideApiKeys'] },
  )
  .refine(hasInboxIssuer, {
    message:
      'needs server.auth.jwt: the page signs people in at its issuer, whose tokens the gateway verifies',
    path: ['inbox', 'oidc'],
  })
  .refine(hasAcceptedInboxAudience, {
    message: 'must be one of server.auth.jwt.audience (the gateway would refuse every token)',
    path: ['inbox', 'oidc', 'audience'],
  });

/** The `server` group of `createAgent` and `createGatewayApp`. */
export type ServerSpec = z.input<typeof serverSpecSchema>;
