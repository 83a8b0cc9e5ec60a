import { z } from 'zod';
import type { ApprovalTraitsOf, NeedsApproval, RequestApproval } from '../core/approval.js';
import type { ToolInterceptor } from '../core/interceptor.js';
import type { Logger } from '../core/logger.js';
import {
  callable,
  implementing,
  parseOptions,
  positiveNumber,
  type RenamedOptions,
} from '../core/parse-options.js';
import type { RemoteToolSource, ToolDefinition, ToolHandler } from '../core/tool.js';
import type { ApprovalKeyQualifier } from './approval-gate.js';
import type { RequestClientToolResult } from './client-tool-resolver.js';
import { consoleToolDispatcherLogger } from './tool-dispatcher-logger.js';

/** A `{ name, description, input_schema }` definition; other fields are kept as they are. */
const toolDefinitionSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string(),
  input_schema: z.record(z.string(), z.unknown()),
  idempotent: z.boolean().optional(),
}) as unknown as z.ZodType<ToolDefinition, ToolDefinition>;

/** One tool of `tools`: made with `tool()`, run here (`handler`) or by the client (`runsOn`). */
const definedToolSchema = z
  .object({
    definition: toolDefinitionSchema,
    handler: callable<ToolHandler>('a function (make the tool with tool())').optional(),
    runsOn: z.literal('client').optional(),
  })
  .refine((defined) => (defined.handler === undefined) !== (defined.runsOn === undefined), {
    message: "must be a tool made with tool(): with an execute function, or execute: 'client'",
    path: ['handler'],
  });

/** Old ways of giving tools, by key: what to write instead. */
const RENAMED_DISPATCHER_OPTIONS: RenamedOptions = new Map([
  ['handlers', "declare each tool with tool({ name, description, inputSchema, execute }) in 'tools'"],
  ['definitions', "declare each tool with tool({ name, description, inputSchema, execute }) in 'tools'"],
  ['clientTools', "declare client-side tools with tool({ ..., execute: 'client' }) in 'tools'"],
]);

/** The options of `createToolDispatcher`; every field is optional, an empty dispatcher knows no tools. */
export const toolDispatcherOptionsSchema = z.strictObject({
  /**
   * The tools, each made with `tool()`: the dispatcher runs those with `execute`, and hands the
   * calls of those with `execute: 'client'` to `requestClientResult`, which asks each call's answer
   * until the client posts its result. A name may appear once.
   */
  tools: z
    .array(definedToolSchema)
    .readonly()
    .superRefine((tools, context) => {
      const seen = new Set<string>();
      for (const { definition } of tools) {
        if (seen.has(definition.name)) {
          context.addIssue({
            code: 'custom',
            message: `tool '${definition.name}' is defined more than once`,
          });
        }
        seen.add(definition.name);
      }
    })
    .optional(),
  /** The transport of client-side tools (the HTTP layer provides it per request). */
  requestClientResult: callable<RequestClientToolResult>().optional(),
  /** Remote tools (the MCP client manager); asked after local and client-side tools. */
  remote: implementing<RemoteToolSource>(
    'a RemoteToolSource (getToolDefinitions, hasTool, getServerForTool, callTool)',
    ['getToolDefinitions', 'hasTool', 'getServerForTool', 'callTool'],
  ).optional(),
  /** Runtime policies, run in order before approval. */
  interceptors: z
    .array(implementing<ToolInterceptor>('an interceptor (intercept(context, signal))', ['intercept']))
    .readonly()
    .optional(),
  /** Whether a call needs human approval; default: never. */
  needsApproval: callable<NeedsApproval>().optional(),
  /** Asks a human; without it a call that needs approval fails with `approval_required`. */
  requestApproval: callable<RequestApproval>().optional(),
  /** "Always allow" keys, shared with the session (mutated by the dispatcher); default: a new Set. */
  approvedToolTypes: z
    .custom<Set<string>>((value) => value instanceof Set, { message: 'must be a Set' })
    .optional(),
  /** Narrows approval keys (`name:qualifier`), e.g. by code-execution backend. */
  approvalKeyQualifier: callable<ApprovalKeyQualifier>().optional(),
  /** Says whether a call runs sandboxed and may be "always allowed" (code execution's backend). */
  approvalTraits: callable<ApprovalTraitsOf>().optional(),
  /** Passed to `requestApproval` as `timeoutMs`: the time a person has to answer. */
  approvalTimeoutMs: positiveNumber().default(120_000),
  /** The setting `approvalTimeoutMs` came from, named in the timeout message (default `approvalTimeoutMs`). */
  approvalTimeoutSetting: z.string().min(1).optional(),
  /** Receives recovered problems; default: `console.warn`. */
  logger: implementing<Logger>('a Logger (with a warn(message, details) method)', ['warn']).optional(),
});

/** Options of `createToolDispatcher`. Every field is optional; an empty dispatcher knows no tools. */
export type ToolDispatcherOptions = z.input<typeof toolDispatcherOptionsSchema>;

/** Options after validation, with defaults applied and local tools merged. */
export interface ResolvedToolDispatcherOptions {
  handlers: ReadonlyMap<string, ToolHandler>;
  definitions: readonly ToolDefinition[];
  /** Names of the client-side tools (their definitions are in `definitions`). */
  clientToolNames: ReadonlySet<string>;
  requestClientResult: RequestClientToolResult | undefined;
  remote: RemoteToolSource | undefined;
  interceptors: readonly ToolInterceptor[];
  needsApproval: NeedsApproval;
  requestApproval: RequestApproval | undefined;
  approvedToolTypes: Set<string>;
  approvalKeyQualifier: ApprovalKeyQualifier | undefined;
  approvalTraits: ApprovalTraitsOf | undefined;
  approvalTimeoutMs: number;
  approvalTimeoutSetting: string | undefined;
  logger: Logger;
}

/**
 * Validates dispatcher options up front, before any call runs, and splits `tools` into local
 * handlers and client-side names. A tool name given twice is a configuration mistake and is
 * rejected rather than silently shadowed.
 */
export function resolveToolDispatcherOptions(options: ToolDispatcherOptions): ResolvedToolDispatcherOptions {
  const parsed = parseOptions(
    toolDispatcherOptionsSchema,
    options,
    'createToolDispatcher',
    RENAMED_DISPATCHER_OPTIONS,
  );
  const handlers = new Map<string, ToolHandler>();
  const definitions: ToolDefinition[] = [];
  const clientToolNames = new Set<string>();
  for (const defined of parsed.tools ?? []) {
    definitions.push(defined.definition);
    if (defined.handler === undefined) clientToolNames.add(defined.definition.name);
    else handlers.set(defined.definition.name, defined.handler);
  }

  return {
    handlers,
    definitions,
    clientToolNames,
    requestClientResult: parsed.requestClientResult,
    remote: parsed.remote,
    interceptors: parsed.interceptors ?? [],
    needsApproval: parsed.needsApproval ?? (() => false),
    requestApproval: parsed.requestApproval,
    approvedToolTypes: parsed.approvedToolTypes ?? new Set<string>(),
    approvalKeyQualifier: parsed.approvalKeyQualifier,
    approvalTraits: parsed.approvalTraits,
    approvalTimeoutMs: parsed.approvalTimeoutMs,
    approvalTimeoutSetting: parsed.approvalTimeoutSetting,
    logger: parsed.logger ?? consoleToolDispatcherLogger,
  };
}
