import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  McpServer,
  type AuthInfo,
  type CallToolResult,
  type InputRequiredResult,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { isHttpError } from '../../../core/http-error.js';
import type { SessionRecord } from '../../../core/stores.js';
import { ownerKeyOfSession } from '../../contracts/session-owner.js';
import { THREAD_ID_PATTERN } from '../../../core/thread-limits.js';
import type { ProtocolRouteContext } from '../protocol-route-context.js';
import {
  continueAgentToolRun,
  startAgentToolRun,
  type AgentToolOutcome,
  type FollowOptions,
  type PendingAnswer,
} from './agent-tool-run.js';
import type { McpSettings } from '../../contracts/mcp-option.js';
import { createProgressCoalescer } from './progress-coalescer.js';
import { withJsonSchemaOnce } from './json-schema-once.js';
import { MAX_TOOL_MESSAGE_LENGTH } from './tool-call-request.js';

/** Key of the approval in `inputRequests` / `inputResponses`. */
export const APPROVAL_KEY = 'approval';

/** What the person answering an approval fills in. */
export const approvalSchema = z.object({
  approved: z.boolean().describe('Run the tool call'),
  always_allow: z.boolean().optional().describe('Allow this tool for the rest of the session'),
});

/** The shape of the state a waiting call travels in (already HMAC-checked by the codec). */
export const pendingAnswerSchema = z.object({
  kind: z.enum(['approval', 'client_tool']),
  runId: z.string(),
  toolCallId: z.string(),
  nonce: z.string(),
  toolName: z.string(),
  input: z.record(z.string(), z.unknown()),
  seq: z.number().int().min(0),
});

/** The tool's input. */
export const toolInputSchema = z.object({
  message: z.string().min(1).max(MAX_TOOL_MESSAGE_LENGTH).describe('What to ask the agent, in full'),
  thread_id: z
    .string()
    .regex(THREAD_ID_PATTERN)
    .optional()
    .describe('A conversation to continue (created on first use); needs the gateway to keep threads'),
});

/** The tool's input as registered: its JSON Schema computed once, not per (stateless) request. */
const registeredInputSchema = withJsonSchemaOnce(toolInputSchema);

/** Key of `AuthInfo.extra` that carries the gateway session the bearer token names. */
export const GATEWAY_SESSION_KEY = 'gatewaySession';

/** The gateway session of an MCP request: the route put it in `authInfo` after checking the token. */
export function sessionOfAuth(authInfo: AuthInfo | undefined): SessionRecord {
  const session: unknown = authInfo?.extra?.[GATEWAY_SESSION_KEY];
  if (
    typeof session !== 'object' ||
    session === null ||
    typeof Reflect.get(session, 'sessionId') !== 'string'
  ) {
    throw new Error('The MCP request carries no gateway session');
  }
  return session as SessionRecord;
}

/** The binding of a request state: the owner of the gateway session (see `ownerOfSession`). */
export const ownerBindingOf = (session: SessionRecord): string => ownerKeyOfSession(session);

const textResult = (text: string, isError = false): CallToolResult => ({
  content: [{ type: 'text', text }],
  ...(isError ? { isError: true } : {}),
});

/** Whether the client said it can answer form elicitations, in this era's way. */
function canElicit(server: McpServer, era: 'legacy' | 'modern', ctx: ServerContext): boolean {
  if (era === 'legacy') return server.server.getClientCapabilities()?.elicitation !== undefined;
  const declared: unknown = Reflect.get(ctx.mcpReq.envelope ?? {}, CLIENT_CAPABILITIES_META_KEY);
  return (
    typeof declared === 'object' && declared !== null && Reflect.get(declared, 'elicitation') !== undefined
  );
}

/** What the server factory needs. */
export interface AgentMcpServerOptions {
  context: ProtocolRouteContext;
  settings: McpSettings;
  codec: RequestStateCodec<PendingAnswer>;
  version: string;
}

/**
 * One MCP server instance serving the agent as one tool (`settings.toolName`): a call starts a
 * run of the caller's gateway session, streams its text as progress notifications (when the
 * call has a progress token), and answers with the run's text. An approval the run asks for
 * becomes an input request (2026-07-28 `input_required`, or for a 2025-11-25 client the SDK's
 * `elicitation/create` on the call's stream); a client that declared no elicitation gets an error
 * result, and the run is cancelled. Cancelling the call cancels the run.
 */
export function createAgentMcpServer(options: AgentMcpServerOptions, era: 'legacy' | 'modern'): McpServer {
  const { context, settings, codec } = options;
  const server = new McpServer(
    { name: settings.serverName, version: options.version },
    {
      capabilities: { tools: {} },
      requestState: { verify: (state, ctx) => codec.verify(state, ctx) },
    },
  );

  const resultOf = async (
    outcome: AgentToolOutcome,
    session: SessionRecord,
    ctx: ServerContext,
  ): Promise<CallToolResult | InputRequiredResult> => {
    switch (outcome.kind) {
      case 'done':
        return textResult(outcome.text);
      case 'failed':
        return textResult(`The agent failed (${outcome.code}): ${outcome.message}`, true);
      case 'cancelled':
        return textResult(`The agent's run was cancelled: ${outcome.message}`, true);
      case 'waiting': {
        const { call } = outcome;
        if (call.kind === 'approval' && canElicit(server, era, ctx)) {
          return inputRequired({
            inputRequests: {
              [APPROVAL_KEY]: inputRequired.elicit({
                message: `The agent asks to run ${call.toolName} with ${JSON.stringify(call.input).slice(0, 2000)}. Allow it?`,
                requestedSchema: approvalSchema,
              }),
            },
            requestState: await codec.mint(call, ctx),
          });
        }
        await context.cancelRun(session).catch(() => undefined);
        return textResult(
          call.kind === 'approval'
            ? `The agent needs a person's approval to run ${call.toolName}, and this MCP client cannot ask for one (it declared no elicitation capability), so the request was cancelled.`
            : `The agent needs the client-side tool ${call.toolName}, which an MCP caller cannot run, so the request was cancelled.`,
          true,
        );
      }
    }
  };

  server.registerTool(
    settings.toolName,
    { description: settings.toolDescription, inputSchema: registeredInputSchema },
    async (args, ctx): Promise<CallToolResult | InputRequiredResult> => {
      const session = sessionOfAuth(ctx.http?.authInfo);
      const progressToken = ctx.mcpReq._meta?.progressToken;
      const progress =
        progressToken === undefined
          ? undefined
          : createProgressCoalescer((text, written) =>
              ctx.mcpReq.notify({
                method: 'notifications/progress',
                params: { progressToken, progress: written, message: text },
              }),
            );
      const follow: FollowOptions = {
        signal: ctx.mcpReq.signal,
        ...(progress === undefined ? {} : { onText: (text: string) => progress.push(text) }),
      };
      try {
        const raw: unknown = ctx.mcpReq.requestState();
        const state =
          raw === undefined
            ? undefined
            : pendingAnswerSchema.parse(typeof raw === 'string' ? await codec.verify(raw, ctx) : raw);
        if (state === undefined) {
          const outcome = await startAgentToolRun(
            context,
            session,
            { message: args.message, threadId: args.thread_id },
            follow,
          );
          await progress?.flush();
          return await resultOf(outcome, session, ctx);
        }
        const decision = acceptedContent(ctx.mcpReq.inputResponses, APPROVAL_KEY, approvalSchema);
        const outcome = await continueAgentToolRun(
          context,
          session,
          state,
          { approved: decision?.approved === true, alwaysAllow: decision?.always_allow === true },
          follow,
        );
        await progress?.flush();
        return await resultOf(outcome, session, ctx);
      } catch (error) {
        if (!isHttpError(error)) throw error;
        const body = error.body as Record<string, unknown>;
        const detail =
          typeof body['detail'] === 'string'
            ? body['detail']
            : typeof body['error'] === 'string'
              ? body['error']
              : error.message;
        return textResult(`The gateway refused the request (HTTP ${error.status}): ${detail}`, true);
      }
    },
  );
  return server;
}
