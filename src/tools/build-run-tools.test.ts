import { describe, expect, it } from 'vitest';
import { CostAccumulator } from '../agent/budget.js';
import type { ApprovalRequest, RequestApproval } from '../core/approval.js';
import type { Provider } from '../core/provider.js';
import type { ToolCall, ToolExecutionEnvironment } from '../core/tool.js';
import { toolsOf } from './__fixtures__/dispatch-fixtures.js';
import { buildLocalRunTools, type RunToolContext, type ToolSetup } from './build-run-tools.js';

const call: ToolCall = { id: 'call_1', name: 'deploy', input: {}, callIndex: 0 };
const environment: ToolExecutionEnvironment = {
  sessionId: 'session_1',
  signal: new AbortController().signal,
  emit: () => undefined,
};

/** One agent's setup, shared by every run: `deploy` needs approval. */
const setup: ToolSetup = { tools: toolsOf({ deploy: () => 'deployed' }), needsApproval: () => true };

/** A run's context whose approvals say `allowAlways` and are recorded in `asked`. */
function runContext(asked: ApprovalRequest[], approvedToolTypes?: Set<string>): RunToolContext {
  const requestApproval: RequestApproval = (request) => {
    asked.push(request);
    return Promise.resolve({ approved: true, allowToolType: true });
  };
  return {
    provider: {} as Provider,
    defaultModel: 'model',
    allowedModels: new Set(),
    sessionId: 'session_1',
    signal: new AbortController().signal,
    costAccumulator: new CostAccumulator(undefined),
    requestApproval,
    ...(approvedToolTypes === undefined ? {} : { approvedToolTypes }),
  };
}

describe('buildLocalRunTools', () => {
  it("asks each run's own client, and keeps a run's 'always allow' keys its own", async () => {
    const firstAsked: ApprovalRequest[] = [];
    const secondAsked: ApprovalRequest[] = [];
    const first = buildLocalRunTools(setup, runContext(firstAsked));
    const second = buildLocalRunTools(setup, runContext(secondAsked));
    expect((await first?.dispatcher.dispatch(call, environment))?.ok).toBe(true);
    // Allowed always in the first run: not asked again there, but asked in the second.
    expect((await first?.dispatcher.dispatch({ ...call, id: 'call_2' }, environment))?.ok).toBe(true);
    expect((await second?.dispatcher.dispatch(call, environment))?.ok).toBe(true);
    expect(firstAsked.map(({ toolCallId }) => toolCallId)).toEqual(['call_1']);
    expect(secondAsked.map(({ toolCallId }) => toolCallId)).toEqual(['call_1']);
  });

  it("uses the session's 'always allow' keys when the context shares them", async () => {
    const asked: ApprovalRequest[] = [];
    const run = buildLocalRunTools(setup, runContext(asked, new Set(['deploy'])));
    expect((await run?.dispatcher.dispatch(call, environment))?.ok).toBe(true);
    expect(asked).toEqual([]);
  });

  it('hands each caller its own list of tool definitions', () => {
    const run = buildLocalRunTools(setup, runContext([]));
    const definitions = run?.dispatcher.getToolDefinitions() ?? [];
    definitions.length = 0;
    expect(run?.dispatcher.getToolDefinitions().map(({ name }) => name)).toEqual(['deploy']);
  });
});
