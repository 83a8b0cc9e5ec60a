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
];

/** Option paths of `createGatewayApp` 0.1.0 that changed. */
export const RENAMED_SERVER_OPTIONS: ReadonlyMap<string, string> = new Map([
  ...SERVER,
  ['onUsage', "use 'hooks.onRunUsage' (it receives one RunUsage object with camelCase fields)"],
  ['onToolResult', "use 'hooks.onToolCallComplete' (same arguments)"],
  ['onToolTiming', "use 'hooks.onToolCallComplete' (the event has duration_ms)"],
  ['onEvent', "use 'hooks.onEvent'"],
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
  ['onUsage', "use 'hooks.onRunUsage' (it receives one RunUsage object with camelCase fields)"],
  ['onToolResult', "use 'hooks.onToolResult'"],
  ['onToolTiming', "use 'hooks.onToolTiming'"],
  ['onMaxTurns', "use 'hooks.onMaxTurns'"],
  ['onEvent', "use 'hooks.onEvent'"],
  ['compactionTrigger', "use 'compaction.trigger'"],
  ['compactionInstructions', "use 'compaction.instructions'"],
  ['compactionModel', "use 'compaction.model' (with compaction.mode: 'client')"],
];

/** Option paths of `createAgent` 0.1.0 that changed. */
export const RENAMED_AGENT_OPTIONS: RenamedOptions = new Map([...AGENT, ...SERVER]);

/** Option paths of `runAutonomous` 0.1.0 that changed. */
export const RENAMED_HEADLESS_OPTIONS: RenamedOptions = new Map([
  ...AGENT,
  ['initialMessage', "use 'headless.initialMessage'"],
  ['timeoutSeconds', inMs('headless.timeoutMs')],
  ['stateDir', "use 'headless.stateDir'"],
  ['stateFile', "use 'headless.stateFile'"],
  ['delivery', "use 'headless.delivery'"],
  ['sessionId', "use 'headless.sessionId'"],
  ['signal', "use 'headless.signal'"],
  ['excludedTools', "use 'headless.excludedTools'"],
  ['remote', "use 'headless.remote'"],
]);
