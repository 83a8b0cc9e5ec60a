import type { GatewayEvent } from '../../core/events.js';
import type {
  RemoteToolSource,
  ToolCall,
  ToolDefinition,
  ToolExecutionEnvironment,
  ToolHandler,
  ToolOutcome,
} from '../../core/tool.js';
import type { DefinedTool } from '../define-tool.js';

/** A tool call with call index 0. */
export function callOf(name: string, input: Record<string, unknown> = {}, id = 'call_1'): ToolCall {
  return { id, name, input, callIndex: 0 };
}

/** An execution environment for session `session_1` that records emitted events. */
export function recordingEnvironment(signal: AbortSignal = new AbortController().signal): {
  events: GatewayEvent[];
  value: ToolExecutionEnvironment;
} {
  const events: GatewayEvent[] = [];
  return { events, value: { sessionId: 'session_1', signal, emit: (event) => events.push(event) } };
}

/** A plain definition with an empty object schema. */
export function definitionOf(name: string, description = `${name} tool`): ToolDefinition {
  return { name, description, input_schema: { type: 'object', properties: {} } };
}

/** A `RemoteToolSource` double: each tool answers `{ from: name }` (or a scripted outcome). */
export function createFakeRemote(tools: Record<string, { server: string; outcome?: ToolOutcome }>): {
  calls: { name: string; input: Record<string, unknown>; signal: AbortSignal }[];
  remote: RemoteToolSource;
} {
  const calls: { name: string; input: Record<string, unknown>; signal: AbortSignal }[] = [];
  const remote: RemoteToolSource = {
    getToolDefinitions: () => Object.keys(tools).map((name) => definitionOf(name, `remote ${name}`)),
    hasTool: (name) => name in tools,
    getServerForTool: (name) => tools[name]?.server ?? null,
    callTool(name, input, signal) {
      calls.push({ name, input, signal });
      const entry = tools[name];
      return Promise.resolve(entry?.outcome ?? { ok: true, result: { from: name }, server: entry?.server ?? null });
    },
  };
  return { calls, remote };
}

/**
 * Dispatcher `tools` from handlers by name: each with its definition from `definitions`, or a
 * plain one (`definitionOf`) when none is given.
 */
export function toolsOf(
  handlers: Readonly<Record<string, ToolHandler>>,
  definitions: readonly ToolDefinition[] = [],
): DefinedTool[] {
  return Object.entries(handlers).map(([name, handler]) => ({
    definition: definitions.find((definition) => definition.name === name) ?? definitionOf(name),
    handler,
  }));
}
