/**
 * Test doubles for agents built on ai-agent-gateway (`ai-agent-gateway/testing`): a scripted
 * in-process provider for loop tests and a local upstream server that speaks the real Anthropic
 * and OpenAI streaming formats for end-to-end tests through the official SDKs, and a client that
 * speaks the gateway's wire protocol to an app in process (`createTestClient`).
 */
export { createScriptedProvider, scriptedProviderEvents } from './testing/scripted-provider.js';
export type { ScriptedProvider, ScriptedProviderOptions } from './testing/scripted-provider.js';
export {
  chunkText,
  httpErrorTurn,
  resolveStopReason,
  textTurn,
  toolCallTurn,
  compactionTurn,
} from './testing/scripted-turn.js';
export type {
  ScriptedBlock,
  ScriptedHttpError,
  ScriptedResponse,
  ScriptedTurn,
} from './testing/scripted-turn.js';
export { createMockUpstream } from './testing/mock-upstream/mock-upstream.js';
export type {
  MockUpstream,
  MockUpstreamOptions,
  RecordedUpstreamRequest,
  UpstreamFlavor,
} from './testing/mock-upstream/mock-upstream.js';
export { createTestClient } from './testing/create-test-client.js';
import type { PendingAnswer } from './testing/create-test-client.js';
export { loadAgentForTest } from './testing/load-agent-for-test.js';
export type { LoadAgentForTestOptions, TestModel } from './testing/load-agent-for-test.js';
export type {
  ApproveOptions,
  CallOptions,
  ChatOptions,
  InitOptions,
  PendingAnswer,
  ResumeOptions,
  SubmitToolResultOptions,
  TestChatMessage,
  TestClient,
  TestClientApp,
  TestClientOptions,
  TestSession,
} from './testing/create-test-client.js';
export type { GatewayEventOf, TestRun, WaitOptions } from './testing/test-client/test-run.js';
export {
  GatewayResponseError,
  isGatewayResponseError,
} from './testing/test-client/gateway-response-error.js';
export type { AgentDefinition } from './server/gateway-app.js';

/** @deprecated Renamed `PendingAnswer`: a call that waits for its client's answer. */
export type PendingToolCall = PendingAnswer; // noun-codemod: keep
