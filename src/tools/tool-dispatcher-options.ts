import type { ApprovalTraitsOf, NeedsApproval, RequestApproval } from '../core/approval.js';
import { GatewayError } from '../core/errors.js';
import type { ToolInterceptor } from '../core/interceptor.js';
import type { RemoteToolSource, ToolDefinition, ToolHandler } from '../core/tool.js';
import type { ApprovalKeyQualifier } from './approval-gate.js';
import type { RequestClientToolResult } from './client-tool-resolver.js';
import type { DefinedTool } from './define-tool.js';
import { consoleToolDispatcherLogger } from './tool-dispatcher-logger.js';
import type { Logger } from '../core/logger.js';

/** Options of `createToolDispatcher`. Every field is optional; an empty dispatcher knows no tools. */
export interface ToolDispatcherOptions {
  /** Local handlers by tool name (their definitions come from `definitions`). */
  handlers?: Record<string, ToolHandler>;
  /** Tools from `tool()`: each contributes a handler and a definition. */
  tools?: readonly DefinedTool[];
  /** Plain `{ name, description, input_schema }` definitions advertised to the model. */
  definitions?: readonly ToolDefinition[];
  /**
   * Tools that run in the client (deviation 6): advertised to the model like local tools; a call
   * is handed to `requestClientResult`, which parks it until the client posts the result.
   */
  clientTools?: readonly ToolDefinition[];
  /** The transport of client-side tools (the HTTP layer provides it per request). */
  requestClientResult?: RequestClientToolResult;
  /** Remote tools (the MCP client manager); asked after local handlers and client tools. */
  remote?: RemoteToolSource;
  /** Runtime policies, run in order before approval. */
  interceptors?: readonly ToolInterceptor[];
  /** Whether a call needs human approval; default: never. */
  needsApproval?: NeedsApproval;
  /** Asks a human; without it a call that needs approval fails with `approval_required`. */
  requestApproval?: RequestApproval;
  /** "Always allow" keys, shared with the session (mutated by the dispatcher); default: a new Set. */
  approvedToolTypes?: Set<string>;
  /** Narrows approval keys (`name:qualifier`), e.g. by code-execution backend. */
  approvalKeyQualifier?: ApprovalKeyQualifier;
  /** Says whether a call runs sandboxed and may be "always allowed" (code execution's backend). */
  approvalTraits?: ApprovalTraitsOf;
  /** Passed to `requestApproval` as `timeoutMs`; default 120000. */
  approvalTimeoutMs?: number;
  /** Receives recovered problems; default: `console.warn`. */
  logger?: Logger;
}

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
  logger: Logger;
}

/** Default time a human has to answer an approval request. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;

const KNOWN_OPTIONS = new Set<string>([
  'handlers',
  'tools',
  'definitions',
  'clientTools',
  'requestClientResult',
  'remote',
  'interceptors',
  'needsApproval',
  'requestApproval',
  'approvedToolTypes',
  'approvalKeyQualifier',
  'approvalTraits',
  'approvalTimeoutMs',
  'logger',
]);

/**
 * Validates dispatcher options up front, before any call runs, and merges `tools`, `handlers`
 * and `definitions`. A tool name given twice (as two handlers or two definitions) is a
 * configuration mistake and is rejected rather than silently shadowed.
 */
export function resolveToolDispatcherOptions(options: ToolDispatcherOptions): ResolvedToolDispatcherOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object');
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) fail(`unknown option \`${key}\``);
  }
  const handlers = new Map<string, ToolHandler>();
  const definitions: ToolDefinition[] = [];
  const definedNames = new Set<string>();
  const addDefinition = (definition: unknown, where: string): void => {
    if (!isToolDefinition(definition)) {
      fail(`${where} must be { name: non-empty string, description: string, input_schema: object }`);
    }
    if (definedNames.has(definition.name)) fail(`tool '${definition.name}' is defined more than once`);
    definedNames.add(definition.name);
    definitions.push(definition);
  };

  for (const [index, defined] of (optionalArray(options.tools, 'tools') ?? []).entries()) {
    if (typeof defined !== 'object' || defined === null || typeof defined.handler !== 'function') {
      fail(`tools[${index}] must come from tool() ({ definition, handler })`);
    }
    addDefinition(defined.definition, `tools[${index}].definition`);
    handlers.set(defined.definition.name, defined.handler);
  }
  if (options.handlers !== undefined) {
    if (typeof options.handlers !== 'object' || options.handlers === null)
      fail('`handlers` must be an object');
    for (const [name, handler] of Object.entries(options.handlers)) {
      if (typeof handler !== 'function') fail(`handlers['${name}'] must be a function`);
      if (handlers.has(name)) fail(`tool '${name}' has a handler in both \`tools\` and \`handlers\``);
      handlers.set(name, handler);
    }
  }
  for (const [index, definition] of (optionalArray(options.definitions, 'definitions') ?? []).entries()) {
    addDefinition(definition, `definitions[${index}]`);
  }

  const clientToolNames = new Set<string>();
  for (const [index, definition] of (optionalArray(options.clientTools, 'clientTools') ?? []).entries()) {
    addDefinition(definition, `clientTools[${index}]`);
    if (handlers.has(definition.name)) fail(`tool '${definition.name}' cannot be both local and client-side`);
    clientToolNames.add(definition.name);
  }
  optionalFunction(options.requestClientResult, 'requestClientResult');

  const interceptors = optionalArray(options.interceptors, 'interceptors') ?? [];
  for (const [index, interceptor] of interceptors.entries()) {
    if (
      typeof interceptor !== 'object' ||
      interceptor === null ||
      typeof interceptor.intercept !== 'function'
    ) {
      fail(`interceptors[${index}] must have an intercept(context, signal) method`);
    }
  }
  const { remote } = options;
  if (
    remote !== undefined &&
    (typeof remote !== 'object' ||
      remote === null ||
      !['getToolDefinitions', 'hasTool', 'getServerForTool', 'callTool'].every(
        (method) => typeof Reflect.get(remote, method) === 'function',
      ))
  ) {
    fail('`remote` must implement RemoteToolSource');
  }
  optionalFunction(options.needsApproval, 'needsApproval');
  optionalFunction(options.requestApproval, 'requestApproval');
  optionalFunction(options.approvalKeyQualifier, 'approvalKeyQualifier');
  optionalFunction(options.approvalTraits, 'approvalTraits');
  if (options.approvedToolTypes !== undefined && !(options.approvedToolTypes instanceof Set)) {
    fail('`approvedToolTypes` must be a Set');
  }
  const approvalTimeoutMs = options.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  if (
    typeof approvalTimeoutMs !== 'number' ||
    !Number.isFinite(approvalTimeoutMs) ||
    approvalTimeoutMs <= 0
  ) {
    fail('`approvalTimeoutMs` must be a positive number of milliseconds');
  }
  const { logger } = options;
  if (
    logger !== undefined &&
    (typeof logger !== 'object' || logger === null || typeof logger.warn !== 'function')
  ) {
    fail('`logger` must have a warn(message, details) method');
  }

  return {
    handlers,
    definitions,
    clientToolNames,
    requestClientResult: options.requestClientResult,
    remote,
    interceptors,
    needsApproval: options.needsApproval ?? (() => false),
    requestApproval: options.requestApproval,
    approvedToolTypes: options.approvedToolTypes ?? new Set<string>(),
    approvalKeyQualifier: options.approvalKeyQualifier,
    approvalTraits: options.approvalTraits,
    approvalTimeoutMs,
    logger: logger ?? consoleToolDispatcherLogger,
  };
}

function fail(problem: string): never {
  throw new GatewayError('invalid_option', `createToolDispatcher: ${problem}`);
}

function optionalArray<T>(value: readonly T[] | undefined, name: string): readonly T[] | undefined {
  if (value !== undefined && !Array.isArray(value)) fail(`\`${name}\` must be an array`);
  return value;
}

function optionalFunction(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'function') fail(`\`${name}\` must be a function`);
}

function isToolDefinition(value: unknown): value is ToolDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const { name, description, input_schema: inputSchema } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    name !== '' &&
    typeof description === 'string' &&
    typeof inputSchema === 'object' &&
    inputSchema !== null &&
    !Array.isArray(inputSchema)
  );
}
