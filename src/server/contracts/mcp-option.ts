import { z } from 'zod';

/**
 * `server.mcp`: the agent served as an MCP server at `{prefix}/mcp` (Streamable HTTP, protocol
 * revisions 2025-11-25 and 2026-07-28), as one tool. `true` for the defaults.
 */
export const mcpOptionSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      /** The tool's name (default: `tracing.agentName`, else `ask_agent`, made MCP-safe). */
      toolName: z
        .string()
        .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be 1 to 128 letters, digits, "_", "-" or "."')
        .optional(),
      /** The tool's description (default: a sentence naming the agent). */
      toolDescription: z.string().trim().min(1).max(4000).optional(),
      /** The server's name in `initialize` (default: the tool's name). */
      serverName: z.string().trim().min(1).max(200).optional(),
      /**
       * How long an MCP session (2025-11-25) lasts from its `initialize`, in ms (one day). Its id
       * is signed, so any instance serves it; each request still needs a valid bearer token.
       */
      sessionTtlMs: z.number().positive().optional(),
    }),
  ],
  { error: 'must be true, false or { toolName, toolDescription, serverName, sessionTtlMs }' },
);

/** `server.mcp` with its defaults, or undefined when off. */
export interface McpSettings {
  toolName: string;
  toolDescription: string;
  serverName: string;
  sessionTtlMs: number;
}

/** Makes a name MCP-safe: letters, digits, `_`, `-` and `.` only, at most 128 characters. */
const safeName = (name: string): string =>
  name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 128) || 'ask_agent';

/** Resolves `server.mcp`; undefined when MCP is off. */
export function mcpSettingsOf(
  option: z.output<typeof mcpOptionSchema> | undefined,
  agentName: string | undefined,
): McpSettings | undefined {
  if (option === undefined || option === false) return undefined;
  const given = option === true ? {} : option;
  const toolName = given.toolName ?? safeName(agentName ?? 'ask_agent');
  return {
    toolName,
    toolDescription:
      given.toolDescription ??
      `Asks the ${agentName ?? 'served'} agent. Send the whole request in "message"; pass "thread_id" to continue a conversation.`,
    serverName: given.serverName ?? toolName,
    sessionTtlMs: given.sessionTtlMs ?? 86_400_000,
  };
}
