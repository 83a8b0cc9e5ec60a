import type { BudgetAdmission, BudgetGate } from '../../core/budget-gate.js';
import type { RunBudget } from '../../agent/model-call-meter.js';
import { estimateInputTokens } from '../../agent/model-call-meter.js';
import type { Message } from '../../core/messages.js';
import { payerOfSession } from '../contracts/budget-wire.js';
import type { ChatRuntime } from '../contracts/gateway-config.js';
import type { StartChatRunOptions } from './start-chat-run-options.js';

/** The refusal of a run whose budget store failed before it started: closed, as the gate's own. */
const storeDown: BudgetAdmission = {
  admitted: false,
  refusal: {
    code: 'budget_store_unavailable',
    status: 503,
    message: 'The budget store is unavailable; retry shortly',
    retryAfterSeconds: 5,
  },
};

/**
 * The budget a run spends under, and its first model call admitted now, before the response's
 * status is sent: a refused run answers with an HTTP status (`budgetRefusalError`) instead of a
 * stream that ends in error. Undefined when the gateway has no budgets. A run continued or
 * resumed has no first call to admit here (its loop reserves each call itself), nor has a
 * runtime that does not say how its calls are priced (`modelCalls`).
 */
export async function preAdmitRun(
  options: StartChatRunOptions,
  runtime: ChatRuntime,
  model: string | undefined,
): Promise<{ budget: RunBudget } | { refused: Extract<BudgetAdmission, { admitted: false }> } | undefined> {
  const gate: BudgetGate | undefined = options.config.budgetGate;
  if (gate === undefined) return undefined;
  const payer = payerOfSession(options.session);
  const { modelCalls } = runtime;
  if (
    options.continuation !== undefined ||
    options.resumption !== undefined ||
    modelCalls === undefined ||
    model === undefined
  ) {
    return { budget: { gate, payer } };
  }
  const { body, run } = options;
  const messages: Message[] =
    body.history ??
    body.messages.map((message) => ({
      role: message.role === 'assistant' ? 'assistant' : 'user',
      content: message.content,
    }));
  let admission: BudgetAdmission;
  try {
    admission = await gate.reserve({
      callId: `${run.runId}:first`,
      runId: run.runId,
      provider: modelCalls.provider,
      model,
      payer,
      inputTokens: estimateInputTokens({ system: runtime.systemPrompt, messages, tools: [] }),
      maxOutputTokens: modelCalls.maxTokens,
    });
  } catch {
    admission = storeDown;
  }
  if (!admission.admitted) return { refused: admission };
  return { budget: { gate, payer, admitted: admission.reservation } };
}
