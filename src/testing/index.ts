/**
 * Test doubles for agents built on ai-agent-gateway (`ai-agent-gateway/testing`): a scripted
 * in-process provider for loop tests and a local upstream server that speaks the real Anthropic
 * and OpenAI streaming formats for end-to-end tests through the official SDKs, and a client that
 * speaks the gateway's wire protocol to an app in process (`createTestClient`).
 */
export { createScriptedProvider, scriptedProviderEvents } from './scripted-provider.js';
export type { ScriptedProvider, ScriptedProviderOptions } from './scripted-provider.js';
export { chunkText, httpErrorTurn, resolveStopReason, textTurn, toolCallTurn } from './scripted-turn.js';
export type { ScriptedBlock, ScriptedHttpError, ScriptedResponse, ScriptedTurn } from './scripted-turn.js';
export { createMockUpstream } from './mock-upstream/mock-upstream.js';
export type {
  MockUpstream,
  MockUpstreamOptions,
  RecordedUpstreamRequest,
  UpstreamFlavor,
} from './mock-upstream/mock-upstream.js';
export { createTestClient } from './create-test-client.js';
export type {
  ApproveOptions,
  CallOptions,
  ChatOptions,
  InitOptions,
  PendingToolCall,
  ResumeOptions,
  SubmitToolResultOptions,
  TestChatMessage,
  TestClient,
  TestClientApp,
  TestClientOptions,
  TestSession,
} from './create-test-client.js';
export type { GatewayEventOf, TestRun, WaitOptions } from './test-client/test-run.js';
export { GatewayResponseError, isGatewayResponseError } from './test-client/gateway-response-error.js';
