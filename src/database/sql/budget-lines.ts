/**
 * A reservation taken, as its row in `budget_reservations` will say: one flat object, written to
 * the journal and the batch as a positional array (`budgetLineOf`).
 */
export interface ReserveWrite {
  kind: 'reserve';
  callId: string;
  amountMicros: number;
  counterIds: string[];
  /** Each counter's window end (ms since the epoch), null for `total`; same order as `counterIds`. */
  windowEnds: Array<number | null>;
  leaseUntil: number;
  runId: string;
  provider: string;
  model: string;
  tenant?: string | undefined;
  subject?: string | undefined;
  apiKeyId?: string | undefined;
}

/**
 * A reservation ended: settled or swept (with what it cost, for its ledger row) or released
 * (without `costMicros`). The row's context (run, provider, model, payer, counters) is its
 * reservation's, which the batch takes from the reservation's write in the same batch or from
 * the row it deletes.
 */
export interface EndWrite {
  kind: 'end';
  callId: string;
  costMicros?: number | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cacheReadTokens?: number | undefined;
  cacheCreationTokens?: number | undefined;
  priceVersion?: string | undefined;
  /** Settling time (ms since the epoch). */
  at?: number | undefined;
  /** Set for a lease sweep's worst case (ledger kind `lease_expired`); a settle leaves it out. */
  swept?: true | undefined;
}

/** One change to the budget tables, in the order the counters' authority made it. */
export type BudgetWrite = ReserveWrite | EndWrite;

/**
 * A write as its journal line: a JSON array read by position (`BATCH_STATEMENT`). A reservation
 * `["r", callId, amountMicros, counterIds, windowEnds, leaseUntil, runId, provider, model, tenant,
 * subject, apiKeyId]`; an end `["e", callId, costMicros, inputTokens, outputTokens,
 * cacheReadTokens, cacheCreationTokens, priceVersion, at, swept]`, or `["e", callId]` for a
 * release (no cost). A missing value is `null`.
 */
export function budgetLineOf(write: BudgetWrite): string {
  if (write.kind === 'reserve') {
    return JSON.stringify([
      'r',
      write.callId,
      write.amountMicros,
      write.counterIds,
      write.windowEnds,
      write.leaseUntil,
      write.runId,
      write.provider,
      write.model,
      write.tenant ?? null,
      write.subject ?? null,
      write.apiKeyId ?? null,
    ]);
  }
  if (write.costMicros === undefined) return JSON.stringify(['e', write.callId]);
  return JSON.stringify([
    'e',
    write.callId,
    write.costMicros,
    write.inputTokens ?? null,
    write.outputTokens ?? null,
    write.cacheReadTokens ?? null,
    write.cacheCreationTokens ?? null,
    write.priceVersion ?? null,
    write.at ?? null,
    write.swept === true ? true : null,
  ]);
}

/** A reservation's line, as `budgetLineOf` writes it. */
type ReserveLine = [
  tag: 'r',
  callId: string,
  amountMicros: number,
  counterIds: string[],
  windowEnds: Array<number | null>,
  leaseUntil: number,
  runId: string,
  provider: string,
  model: string,
  tenant: string | null,
  subject: string | null,
  apiKeyId: string | null,
];
/** An end's line with its cost, as `budgetLineOf` writes it. */
type EndLine = [
  tag: 'e',
  callId: string,
  costMicros: number | null,
  inputTokens: number | null,
  outputTokens: number | null,
  cacheReadTokens: number | null,
  cacheCreationTokens: number | null,
  priceVersion: string | null,
  at: number | null,
  swept: boolean | null,
];

const present = <Value>(value: Value | null | undefined): Value | undefined => value ?? undefined;

/**
 * The write a parsed journal line stands for: a line of `budgetLineOf`, or an object line as
 * journals written before it hold (`JSON.stringify` of the `BudgetWrite`). Undefined for
 * anything else (the replay skips it, as it skips a torn line).
 */
export function budgetWriteOfLine(parsed: unknown): BudgetWrite | undefined {
  if (!Array.isArray(parsed)) {
    const kind: unknown =
      typeof parsed === 'object' && parsed !== null ? Reflect.get(parsed, 'kind') : undefined;
    return kind === 'reserve' || kind === 'end' ? (parsed as BudgetWrite) : undefined;
  }
  const [tag, callId] = parsed as unknown[];
  if (typeof callId !== 'string') return undefined;
  if (tag === 'r') {
    const line = parsed as ReserveLine;
    return {
      kind: 'reserve',
      callId,
      amountMicros: line[2],
      counterIds: line[3],
      windowEnds: line[4],
      leaseUntil: line[5],
      runId: line[6],
      provider: line[7],
      model: line[8],
      tenant: present(line[9]),
      subject: present(line[10]),
      apiKeyId: present(line[11]),
    };
  }
  if (tag !== 'e') return undefined;
  if (parsed.length <= 2) return { kind: 'end', callId };
  const line = parsed as EndLine;
  return {
    kind: 'end',
    callId,
    costMicros: present(line[2]),
    inputTokens: present(line[3]),
    outputTokens: present(line[4]),
    cacheReadTokens: present(line[5]),
    cacheCreationTokens: present(line[6]),
    priceVersion: present(line[7]),
    at: present(line[8]),
    swept: line[9] === true ? true : undefined,
  };
}
