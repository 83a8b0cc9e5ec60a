import type { GatewayEvent } from '../../core/events.js';
import type { ToolCall, ToolExecutionEnvironment, ToolExecutor, ToolOutcome } from '../../core/tool.js';

/** A fake tool: returns an outcome (or throws, to simulate a broken executor). */
export type FakeTool = (call: ToolCall, environment: ToolExecutionEnvironment) => ToolOutcome | Promise<ToolOutcome>;

/** A `ToolExecutor` test double that records every call it receives. */
export interface FakeToolExecutor extends ToolExecutor {
  readonly calls: Array<{ call: ToolCall; environment: ToolExecutionEnvironment }>;
}

/** A successful outcome. */
export const succeed = (result: unknown, extra: { warnings?: string[]; server?: string } = {}): ToolOutcome => ({
  ok: true,
  result,
  server: extra.server ?? null,
  ...(extra.warnings === undefined ? {} : { warnings: extra.warnings }),
});

/** A failed outcome. */
export const fail = (code: string, message: string): ToolOutcome => ({ ok: false, error: { code, message }, server: null });

/** Creates an executor over named fake tools; any other name answers `unknown_tool`. */
export function createFakeToolExecutor(tools: Record<string, FakeTool> = {}): FakeToolExecutor {
  const calls: FakeToolExecutor['calls'] = [];
  return {
    calls,
    async dispatch(call, environment) {
      calls.push({ call, environment });
      const tool = tools[call.name];
      if (tool === undefined) return fail('unknown_tool', `Unknown tool: ${call.name}`);
      return tool(call, environment);
    },
  };
}

/** Keeps only events of one type, typed. */
export function eventsOfType<T extends GatewayEvent['type']>(
  events: readonly GatewayEvent[],
  type: T,
): Array<Extract<GatewayEvent, { type: T }>> {
  return events.filter((event): event is Extract<GatewayEvent, { type: T }> => event.type === type);
}
