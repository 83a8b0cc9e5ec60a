import { readdir, readFile } from 'node:fs/promises';
import type { ApprovalRequest } from '../../../core/approval.js';
import type { GatewayEvent, ToolOutputChunkEvent } from '../../../core/events.js';
import type { ToolContext, ToolOutcome } from '../../../core/tool.js';
import { createToolDispatcher } from '../../tool-dispatcher.js';
import { pairTools } from '../../pair-tools.js';
import type { CodeExecutionBundle } from '../create-code-execution.js';

/** What one dispatched call produced. */
export interface CallRecord {
  outcome: ToolOutcome;
  events: GatewayEvent[];
  /** The `tool_output_chunk` events, in emission order. */
  chunks: ToolOutputChunkEvent[];
  approvals: ApprovalRequest[];
}

/** The successful result of an outcome as a plain object; throws (failing the test) otherwise. */
export function resultOf(outcome: ToolOutcome): Record<string, unknown> {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.error)}`);
  return outcome.result as Record<string, unknown>;
}

/**
 * Dispatches one call through a real dispatcher wired the way createAgent wires a bundle
 * (needsApproval + approvalKeyQualifier), approving every request unless `approve` is false.
 */
export async function dispatchCall(
  bundle: CodeExecutionBundle,
  name: string,
  input: Record<string, unknown>,
  options: { approve?: boolean; signal?: AbortSignal; sessionId?: string; id?: string } = {},
): Promise<CallRecord> {
  const approvals: ApprovalRequest[] = [];
  const dispatcher = createToolDispatcher({
    tools: pairTools({ ...bundle.handlers }, bundle.definitions),
    needsApproval: bundle.needsApproval,
    approvalKeyQualifier: bundle.approvalKeyQualifier,
    approvalTraits: bundle.approvalTraits,
    requestApproval: (request) => {
      approvals.push(request);
      return Promise.resolve({ approved: options.approve ?? true });
    },
  });
  const events: GatewayEvent[] = [];
  const outcome = await dispatcher.dispatch(
    { id: options.id ?? 'call_1', name, input, callIndex: 0 },
    {
      sessionId: options.sessionId ?? 'session_1',
      signal: options.signal ?? new AbortController().signal,
      emit: (event) => events.push(event),
    },
  );
  const chunks = events.filter((event): event is ToolOutputChunkEvent => event.type === 'tool_output_chunk');
  return { outcome, events, chunks, approvals };
}

/** A handler context as the dispatcher would build it, with the bundle's qualifier. */
export function handlerContext(
  bundle: CodeExecutionBundle,
  input: Record<string, unknown>,
  options: { signal?: AbortSignal; onEvent?: (event: GatewayEvent) => void; qualifier?: string } = {},
): ToolContext {
  return {
    toolCallId: 'call_direct',
    toolName: 'code_execute',
    callIndex: 0,
    sessionId: 'session_1',
    resolvedQualifier: options.qualifier ?? bundle.approvalKeyQualifier('code_execute', input),
    signal: options.signal ?? new AbortController().signal,
    emit: (event) => options.onEvent?.(event),
  };
}

/**
 * Live (non-zombie) processes whose command line contains `marker`. Tests put a unique marker
 * (a work dir path, an extra argument) into what they start and use this to prove that
 * nothing they started survived.
 */
export async function liveProcessesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const commandLine = (await readFile(`/proc/${entry}/cmdline`)).toString('utf8').replaceAll('\0', ' ');
      if (!commandLine.includes(marker)) continue;
      const status = await readFile(`/proc/${entry}/stat`, 'utf8');
      // Field 3 (after the parenthesised name) is the state; Z and X are already dead.
      const state = status.slice(status.lastIndexOf(')') + 2, status.lastIndexOf(')') + 3);
      if (state !== 'Z' && state !== 'X') found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Python that prints its working directory as `CWD=<path>` (to learn a session's work dir). */
export const PRINT_CWD = 'import os\nprint("CWD=" + os.getcwd())\n';

/** The work dir printed by `PRINT_CWD`. */
export function cwdFrom(stdout: unknown): string {
  const match = /CWD=(.+)/.exec(String(stdout));
  if (match?.[1] === undefined) throw new Error(`no CWD= line in ${String(stdout)}`);
  return match[1].trim();
}
