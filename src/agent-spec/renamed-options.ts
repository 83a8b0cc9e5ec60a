import type { RenamedOptions } from './parse-spec.js';

const inMs = (path: string): string => `use '${path}' (milliseconds)`;

/** The CORS options, grouped under `server.cors` (at the top level of 0.1.0's `createGatewayApp` too). */
const CORS: Array<[string, string]> = [
  ['corsOrigins', 'origins'],
  ['corsAllowHeaders', 'allowHeaders'],
  ['corsAllowMethods', 'allowMethods'],
].flatMap(([old, now]) => [
  [old, `use 'server.cors.${now}'`],
  [`server.${old}`, `use 'server.cors.${now}'`],
]) as Array<[string, string]>;

/** Server options of earlier versions whose name or unit changed (see CHANGELOG.md). */
const SERVER: Array<[string, string]> = [
  ['sessionTtl', inMs('server.sessionTtlMs')],
  ['server.sessionTtl', inMs('server.sessionTtlMs')],
  ['stores', "use 'server.store' (a GatewayStores object is accepted there)"],
  ['server.stores', "use 'server.store' (a GatewayStores object is accepted there)"],
  ['store', "use 'server.store': 'memory' or { redis: 'redis://...' }"],
  ['server.rateLimit.windowSeconds', inMs('server.rateLimit.windowMs')],
  ['server.tokenBudget.windowSeconds', inMs('server.tokenBudget.windowMs')],
  ...CORS,
  // A call waiting for a client's answer is a pending answer: its caps say so.
  ['server.maxParkedCallsPerApiKey', "use 'server.maxPendingAnswersPerApiKey'"],
  ['server.maxParkedCallsPerSession', "use 'server.maxPendingAnswersPerSession'"],
];

const TOOL_TIMING =
  "use 'hooks.onToolTiming' (it receives one ToolTiming object: sessionId, toolCallId, toolName, " +
  "server, durationMs, isError; the whole tool_call_complete event is in 'hooks.onEvent')";

/**
 * Hooks whose name or place changed, with the same hint at every entry point (`createAgent`,
 * `createGatewayApp`, `runAutonomous`): the hooks are one set everywhere.
 */
const HOOKS: Array<[string, string]> = [
  ['onUsage', "use 'hooks.onRunUsage' (it receives one RunUsage object with camelCase fields)"],
  [
    'onToolResult',
    "use 'hooks.onToolResult' (an agent hook: createAgent and runAutonomous); createGatewayApp's " +
      "onToolResult(event, sessionId) of 0.1.0 is 'hooks.onEvent' (event.type 'tool_call_complete')",
  ],
  ['onToolTiming', "use 'hooks.onToolTiming'"],
  ['onMaxTurns', "use 'hooks.onMaxTurns' (an agent hook: createAgent and runAutonomous)"],
  ['onEvent', "use 'hooks.onEvent'"],
  ['onToolCallComplete', TOOL_TIMING],
  ['hooks.onToolCallComplete', TOOL_TIMING],
];

/**
 * Agent hooks a gateway app cannot offer: they act inside the agent loop, which
 * `createGatewayApp` leaves to its runtime builder.
 */
const AGENT_ONLY_HOOKS: Array<[string, string]> = [
  [
    'hooks.onToolResult',
    "acts inside the agent loop: pass it to createAgent or runAutonomous (createGatewayApp observes 'hooks.onToolTiming' and 'hooks.onEvent')",
  ],
  [
    'hooks.onMaxTurns',
    'acts inside the agent loop: pass it to createAgent or runAutonomous, or to the runner your buildChatRuntime makes',
  ],
];

/** Option paths of `createGatewayApp` 0.1.0 that changed. */
export const RENAMED_SERVER_OPTIONS: ReadonlyMap<string, string> = new Map([
  ...SERVER,
  ...HOOKS,
  ...AGENT_ONLY_HOOKS,
]);

/** Agent options of 0.1.0 that changed, for `createAgent` and `runAutonomous`. */
const AGENT: Array<[string, string]> = [
  ['toolHandlers', "declare each tool with tool({ name, description, inputSchema, execute }) in 'tools'"],
  ['toolDefinitions', "declare each tool with tool({ name, description, inputSchema, execute }) in 'tools'"],
  ['clientTools', "declare client-side tools with tool({ ..., execute: 'client' }) in 'tools'"],
  ['perTurnTimeout', inMs('turnTimeoutMs')],
  ['toolCallTimeout', inMs('toolCallTimeoutMs')],
  ['mcpServers', "use 'mcp.servers'"],
  ['mcpConfigPath', "use 'mcp.configPath'"],
  ['mcpAllowedServers', "use 'mcp.allowedServers'"],
  ['mcpTimeoutOverrides', inMs('mcp.serverToolTimeoutsMs')],
  ['mcpDefaultToolTimeout', inMs('mcp.toolTimeoutMs')],
  ['mcpSessionInjectServers', "use 'mcp.sessionInjectServers'"],
  ['mcpStripInputFields', "use 'mcp.stripInputFields'"],
  ['skillsDir', "use 'skills.dir'"],
  ['skillsExcludedTools', "use 'skills.excludedTools'"],
  ['outputsDir', "use 'skills.outputsDir'"],
  ['maxConcurrentSubAgents', "use 'skills.maxConcurrent'"],
  ...HOOKS,
  ['compactionTrigger', "use 'compaction.trigger'"],
  ['compactionInstructions', "use 'compaction.instructions'"],
  ['compactionModel', "use 'compaction.model' (with compaction.mode: 'client')"],
];

/** Option paths of `createAgent` 0.1.0 that changed. */
export const RENAMED_AGENT_OPTIONS: RenamedOptions = new Map([...AGENT, ...SERVER]);

/** The flat delivery options of earlier versions, by their key inside `delivery`. */
const RENAMED_DELIVERY_KEYS: ReadonlyArray<[string, string]> = [
  ['telegramBotToken', 'telegram.botToken'],
  ['telegramChatId', 'telegram.chatId'],
  ['telegramLabel', 'telegram.label'],
  ['telegramApiBaseUrl', 'telegram.apiBaseUrl'],
  ['briefingFile', 'telegram.briefingFile'],
  ['webhookUrl', 'webhook.url'],
  ['webhookHeaders', 'webhook.headers'],
];

/**
 * The delivery options of 0.1.0 under a prefix (`headless.delivery.` in `runAutonomous`, none in
 * `deliver()`), with their hints.
 */
export const renamedDeliveryOptions = (prefix: string): Array<[string, string]> =>
  RENAMED_DELIVERY_KEYS.map(([old, now]) => [`${prefix}${old}`, `use '${prefix}${now}'`]);

/** Option paths of `runAutonomous` 0.1.0 that changed. */
export const RENAMED_HEADLESS_OPTIONS: RenamedOptions = new Map([
  ...AGENT,
  ['initialMessage', "use 'headless.initialMessage'"],
  ['timeoutSeconds', inMs('headless.timeoutMs')],
  ['stateDir', "use 'headless.stateDir'"],
  ['stateFile', "use 'headless.stateFile'"],
  ['delivery', "use 'headless.delivery'"],
  ...renamedDeliveryOptions('headless.delivery.'),
  ['sessionId', "use 'headless.sessionId'"],
  ['signal', "use 'headless.signal'"],
  ['excludedTools', "use 'headless.excludedTools'"],
  ['remote', "use 'headless.remote'"],
]);
