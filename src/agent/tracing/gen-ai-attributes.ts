/**
 * The OpenTelemetry GenAI semantic-convention names the gateway emits (Development stability,
 * open-telemetry/semantic-conventions-genai), kept in one module so a rename is one edit. The
 * gateway's own attributes live under `gateway.*`.
 */
export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  agentName: 'gen_ai.agent.name',
  conversationId: 'gen_ai.conversation.id',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestStream: 'gen_ai.request.stream',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  timeToFirstChunk: 'gen_ai.response.time_to_first_chunk',
  inputTokens: 'gen_ai.usage.input_tokens',
  outputTokens: 'gen_ai.usage.output_tokens',
  cacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  cacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolType: 'gen_ai.tool.type',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  systemInstructions: 'gen_ai.system_instructions',
  errorType: 'error.type',
} as const;

/** OpenTelemetry's general `enduser.*` attributes. */
export const ENDUSER = { id: 'enduser.id' } as const;

/** The gateway's own span attributes and events. */
export const GATEWAY = {
  sessionId: 'gateway.session.id',
  runId: 'gateway.run.id',
  outcome: 'gateway.run.outcome',
  turns: 'gateway.run.turns',
  costUsd: 'gateway.cost_usd',
  retries: 'gateway.retries',
  toolServer: 'gateway.tool.server',
  toolLocation: 'gateway.tool.execution_location',
  toolDurationMs: 'gateway.tool.duration_ms',
  humanWaitMs: 'gateway.approval.wait_ms',
  retryEvent: 'gateway.retry',
} as const;

/** `gen_ai.operation.name` values. */
export const OPERATION = { invokeAgent: 'invoke_agent', chat: 'chat', executeTool: 'execute_tool' } as const;
