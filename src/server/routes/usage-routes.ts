import { z } from 'zod';
import type { BudgetCounterStore, LedgerFilter, LedgerRow } from '../../core/budget-counter-store.js';
import { HttpError } from '../../core/http-error.js';
import type { SessionRecord } from '../../core/stores.js';
import type { BudgetFor, BudgetRule } from '../../budgets/budget-rules.js';
import { readBudgetStatuses } from '../../budgets/budget-statuses.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import { payerOfSession } from '../contracts/budget-wire.js';
import { parseBody } from '../http/parse-body.js';
import type { RouteHandler } from '../http/route-handler.js';
import type { SessionEnv } from '../http/session-middleware.js';
import type { Context } from 'hono';

/** `GET /usage` and `PUT /budgets/:scope/:id`. */
export interface UsageHandlers {
  usage: RouteHandler;
  setBudget: RouteHandler;
}

/** What the usage routes read and write. */
export interface UsageRoutesContext {
  /** The budget counters and ledger (the database's, or Redis'); undefined without budgets. */
  counters: () => BudgetCounterStore | undefined;
  /** `server.authorize`, asked `usage.read` for a tenant's usage and `budget.write` for a limit. */
  authorizer: RequestAuthorizer | undefined;
  readBody: (request: Request) => Promise<unknown>;
  /** `server.budgets`: listed in the caller's usage with the plan's and the runtime limits. */
  budgets: readonly BudgetRule[];
  /** `server.budgetFor`: the caller's plan. */
  budgetFor?: BudgetFor | undefined;
  now?: () => number;
}

/** `PUT /budgets/:scope/:id`'s body: the window's limit, or `null` to drop the override. */
const SetBudgetBody = z.strictObject({
  window: z.enum(['day', 'week', 'month', 'total']),
  limit_usd: z.number().positive().finite().nullable(),
  time_zone: z.string().min(1).optional(),
  soft_at_percent: z.number().gt(0).max(100).optional(),
});

const SCOPE_KINDS: ReadonlySet<string> = new Set(['tenant', 'subject', 'apiKey', 'agent']);
const GROUPS = ['subject', 'model', 'day'] as const;
type Group = (typeof GROUPS)[number];

const refused = (message: string): HttpError => new HttpError(403, { code: 'forbidden', error: message });
const badRequest = (message: string): HttpError =>
  new HttpError(400, { code: 'invalid_request', error: message });

/** The store, or why there is none (503 when it fails, 404 when budgets are off). */
function countersOf(context: UsageRoutesContext): BudgetCounterStore {
  let counters: BudgetCounterStore | undefined;
  try {
    counters = context.counters();
  } catch {
    throw new HttpError(
      503,
      { code: 'budget_store_unavailable', error: 'The budget store is unavailable; retry shortly' },
      { headers: { 'retry-after': '5' } },
    );
  }
  if (counters === undefined) {
    throw new HttpError(404, {
      code: 'budgets_off',
      error: 'No budget store: set server.budgets and server.database',
    });
  }
  return counters;
}

/** Micro-dollars as dollars. */
const usd = (micros: number): number => micros / 1_000_000;

/** The key of a ledger row in a grouping. */
function keyOf(row: LedgerRow, group: Group): string {
  if (group === 'model') return `${row.provider}/${row.model}`;
  if (group === 'day') return new Date(row.at).toISOString().slice(0, 10);
  return row.payer.subject ?? row.payer.apiKeyId ?? 'unknown';
}

/** The spend of the rows `filter` selects, in total and by `group`. */
async function spendOf(counters: BudgetCounterStore, filter: LedgerFilter, group: Group | undefined) {
  let spent = 0;
  let calls = 0;
  const groups = new Map<string, { spent: number; calls: number; input: number; output: number }>();
  for await (const row of counters.ledger(filter)) {
    spent += row.costMicros;
    calls += 1;
    if (group === undefined) continue;
    const key = keyOf(row, group);
    const entry = groups.get(key) ?? { spent: 0, calls: 0, input: 0, output: 0 };
    entry.spent += row.costMicros;
    entry.calls += 1;
    entry.input += row.usage.inputTokens + row.usage.cacheReadTokens + row.usage.cacheCreationTokens;
    entry.output += row.usage.outputTokens;
    groups.set(key, entry);
  }
  return {
    spent_usd: usd(spent),
    calls,
    ...(group === undefined
      ? {}
      : {
          group_by: group,
          groups: [...groups].map(([key, entry]) => ({
            key,
            spent_usd: usd(entry.spent),
            calls: entry.calls,
            input_tokens: entry.input,
            output_tokens: entry.output,
          })),
        }),
  };
}

/** The start of the current UTC month: what `GET /usage` covers unless `since` says otherwise. */
const monthStart = (now: number): number => {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};

/**
 * The usage routes: `GET /usage` answers the caller's own spend since `since` (default: the start
 * of the UTC month), by `group_by` (`model`, `day`) if asked, with every budget that applies to it
 * (configured, its plan's, set at run time) and where each one's current window stands; `?scope=tenant` answers its tenant's, by `subject`, `model` or `day`, to a principal
 * `server.authorize` grants `usage.read`. `PUT /budgets/:scope/:id` sets a scope's limit for one
 * window (applied from the next model call, on every instance), for a principal granted
 * `budget.write`; without `server.authorize` nobody is.
 */
export function createUsageHandlers(context: UsageRoutesContext): UsageHandlers {
  const now = context.now ?? Date.now;

  const asks = async (session: SessionRecord, action: 'usage.read' | 'budget.write', id: string) =>
    context.authorizer !== undefined &&
    (await context.authorizer.allows(session, action, {
      type: action === 'usage.read' ? 'usage' : 'budget',
      id,
    }));

  const usage: RouteHandler = async (c: Context<SessionEnv>) => {
    const session = c.var.session;
    const scope = c.req.query('scope') ?? 'self';
    const groupBy = c.req.query('group_by');
    if (groupBy !== undefined && !(GROUPS as readonly string[]).includes(groupBy)) {
      throw badRequest('group_by must be subject, model or day');
    }
    const sinceText = c.req.query('since');
    const since = sinceText === undefined ? monthStart(now()) : Date.parse(sinceText);
    if (Number.isNaN(since)) throw badRequest('since must be an ISO 8601 time');
    const payer = payerOfSession(session);
    const counters = countersOf(context);
    if (scope === 'tenant') {
      const tenant = payer.tenant;
      if (tenant === undefined) throw refused('Only a principal of a tenant can read its usage');
      if (!(await asks(session, 'usage.read', `tenant:${tenant}`))) {
        throw refused('server.authorize did not grant usage.read on this tenant');
      }
      const spend = await spendOf(counters, { tenant, since }, groupBy as Group | undefined);
      return c.json({ scope: `tenant:${tenant}`, since: new Date(since).toISOString(), ...spend });
    }
    if (scope !== 'self') throw badRequest('scope must be tenant, or left out for your own usage');
    if (groupBy === 'subject') throw badRequest('group_by=subject needs scope=tenant');
    const filter: LedgerFilter =
      payer.subject === undefined
        ? { apiKeyId: payer.apiKeyId ?? '', since }
        : { subject: payer.subject, since };
    if (payer.tenant !== undefined) filter.tenant = payer.tenant;
    const spend = await spendOf(counters, filter, groupBy as Group | undefined);
    const statuses = await readBudgetStatuses({
      payer,
      budgets: context.budgets,
      budgetFor: context.budgetFor,
      counters,
      now: now(),
    });
    return c.json({
      scope: payer.subject === undefined ? `apiKey:${payer.apiKeyId ?? ''}` : `subject:${payer.subject}`,
      since: new Date(since).toISOString(),
      ...spend,
      budgets: statuses.map((status) => ({
        scope: status.scope,
        window: status.window,
        time_zone: status.timeZone,
        limit_usd: status.limitUsd,
        spent_usd: status.spentUsd,
        reserved_usd: status.reservedUsd,
        remaining_usd: status.remainingUsd,
        resets_at: status.resetsAt,
        source: status.source,
      })),
    });
  };

  const setBudget: RouteHandler = async (c: Context<SessionEnv>) => {
    const kind = c.req.param('scope') ?? '';
    const id = c.req.param('id') ?? '';
    if (!SCOPE_KINDS.has(kind)) throw badRequest('scope must be tenant, subject, apiKey or agent');
    if (id === '' || id.length > 200) throw badRequest('id must be 1 to 200 characters');
    const body = parseBody(SetBudgetBody, await context.readBody(c.req.raw));
    const scope = `${kind}:${id}`;
    if (!(await asks(c.var.session, 'budget.write', scope))) {
      throw refused('server.authorize did not grant budget.write on this scope');
    }
    if (context.budgets.length === 0 && context.budgetFor === undefined) {
      // No gate is built without either: a limit stored now would apply to nothing.
      throw new HttpError(409, {
        code: 'budgets_off',
        error:
          'No budget is enforced by this gateway: set server.budgets or server.budgetFor (budgetFor: () => undefined enforces only the limits set through this route)',
      });
    }
    await countersOf(context).setOverride({
      scope,
      window: body.window,
      limitUsd: body.limit_usd,
      ...(body.time_zone === undefined ? {} : { timeZone: body.time_zone }),
      ...(body.soft_at_percent === undefined ? {} : { softAtPercent: body.soft_at_percent }),
    });
    return c.json({ scope, window: body.window, limit_usd: body.limit_usd });
  };

  return { usage, setBudget };
}
