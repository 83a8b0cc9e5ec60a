import { closestName } from './check-agent-wiring.js';
import { GatewayError } from '../../core/errors.js';
import type { CreateAgentOptions } from './create-agent-options.js';

/**
 * Every option `createAgent` accepts. The `satisfies` clause makes this list exhaustive at
 * compile time: adding an option to `CreateAgentOptions` without listing it here is a type
 * error, so the unknown-option check below can never reject a real option.
 */
const OPTION_KINDS = {
  provider: 'other',
  model: 'string',
  providerConfig: 'object',
  apiKey: 'string',
  authToken: 'string',
  maxTokens: 'other',
  thinking: 'boolean',
  toolHandlers: 'object',
  toolDefinitions: 'array',
  tools: 'array',
  clientTools: 'array',
  interceptors: 'array',
  needsApproval: 'function',
  mcpServers: 'object',
  mcpConfigPath: 'string',
  mcpAllowedServers: 'array',
  mcpTimeoutOverrides: 'object',
  mcpDefaultToolTimeout: 'other',
  mcpSessionInjectServers: 'array',
  mcpStripInputFields: 'array',
  codeExecution: 'other',
  skillsDir: 'string',
  skillsExcludedTools: 'array',
  outputsDir: 'string',
  maxConcurrentSubAgents: 'other',
  maxTurns: 'other',
  maxBudgetUsd: 'other',
  perTurnTimeout: 'other',
  toolCallTimeout: 'other',
  corsOrigins: 'array',
  allowedHosts: 'array',
  allowedModels: 'array',
  stores: 'object',
  store: 'object',
  instanceId: 'string',
  runLeaseMs: 'other',
  handOverRunsOnClose: 'boolean',
  rateLimit: 'object',
  tokenBudget: 'object',
  validApiKeys: 'other',
  jwtSecret: 'other',
  sessionTtl: 'other',
  prefix: 'string',
  transcriptDir: 'string',
  maxBodyBytes: 'other',
  maxJsonDepth: 'other',
  maxConcurrentRuns: 'other',
  maxBufferedBytesPerStream: 'other',
  maxFollowersPerRun: 'other',
  logger: 'object',
  heartbeatIntervalMs: 'other',
  approvalTimeoutMs: 'other',
  clientToolTimeoutMs: 'other',
  disconnectGraceMs: 'other',
  streamRetentionMs: 'other',
  sseRetryMs: 'other',
  onEvent: 'function',
  onStartup: 'function',
  onShutdown: 'function',
  onSessionExpired: 'function',
  onError: 'function',
  onUsage: 'function',
  onToolResult: 'function',
  onToolTiming: 'function',
  onMaxTurns: 'function',
} as const satisfies Record<
  keyof CreateAgentOptions,
  'string' | 'boolean' | 'function' | 'object' | 'array' | 'other'
>;

/** Options checked here as positive numbers (`true`: whole numbers only). */
const POSITIVE_NUMBERS: ReadonlyArray<readonly [keyof CreateAgentOptions, boolean]> = [
  ['maxTokens', true],
  ['maxTurns', true],
  ['maxConcurrentSubAgents', true],
  ['maxBudgetUsd', false],
  ['perTurnTimeout', false],
  ['toolCallTimeout', false],
];

const fail = (message: string): never => {
  throw new GatewayError('invalid_option', `createAgent: ${message}`);
};

const isKnownOption = (key: string): key is keyof typeof OPTION_KINDS => Object.hasOwn(OPTION_KINDS, key);

const describe = (value: unknown): string =>
  typeof value === 'function' ? 'a function' : Array.isArray(value) ? 'an array' : JSON.stringify(value);

type OptionKind = (typeof OPTION_KINDS)[keyof typeof OPTION_KINDS];

const matchesKind = (value: unknown, kind: OptionKind): boolean => {
  switch (kind) {
    case 'other':
      return true;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === kind;
  }
};

/** Checks `createAgent`'s system prompt: a string, or `[text, shouldCache]` pairs. */
export function validateSystemPrompt(systemPrompt: unknown): void {
  if (typeof systemPrompt === 'string') return;
  const isPart = (part: unknown): boolean =>
    Array.isArray(part) && part.length === 2 && typeof part[0] === 'string' && typeof part[1] === 'boolean';
  if (!Array.isArray(systemPrompt) || !systemPrompt.every(isPart)) {
    fail('systemPrompt must be a string or an array of [text, shouldCache] pairs');
  }
}

/**
 * Checks the shape of `createAgent`'s options before anything is built: unknown keys (typos),
 * wrong types and non-positive limits fail with `GatewayError('invalid_option')` naming the
 * option. Deeper checks (tool definitions, provider settings, server numbers) belong to the
 * factories that own them and run right after.
 */
export function validateCreateAgentOptions(options: unknown): asserts options is CreateAgentOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail('options must be an object');
  }
  for (const [key, value] of Object.entries(options as Record<string, unknown>)) {
    if (!isKnownOption(key)) {
      const closest = closestName(key, Object.keys(OPTION_KINDS));
      fail(`unknown option \`${key}\`${closest === undefined ? '' : ` — did you mean \`${closest}\`?`}`);
    }
    if (value === undefined) continue;
    const kind = OPTION_KINDS[key as keyof typeof OPTION_KINDS];
    if (!matchesKind(value, kind)) {
      fail(
        `${key} must be ${kind === 'array' || kind === 'object' ? 'an' : 'a'} ${kind}, got ${describe(value)}`,
      );
    }
  }
  const record = options as CreateAgentOptions;
  for (const [name, integer] of POSITIVE_NUMBERS) {
    const value = record[name];
    if (value === undefined) continue;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value <= 0 ||
      (integer && !Number.isInteger(value))
    ) {
      fail(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${describe(value)}`);
    }
  }
  // A string is iterable too: `validApiKeys: 'key'` would accept each of its characters.
  if (typeof record.validApiKeys === 'string') fail('validApiKeys must be an array of keys, not a string');
  const { allowedModels } = record;
  if (
    allowedModels !== undefined &&
    !allowedModels.every((model) => typeof model === 'string' && model.trim() !== '')
  ) {
    fail('allowedModels must be an array of model names');
  }
}
