/**
 * Test doubles for agents built on ai-agent-gateway (`ai-agent-gateway/testing`): a scripted
 * in-process provider for loop tests and a local upstream server that speaks the real Anthropic
 * and OpenAI streaming formats for end-to-end tests through the official SDKs.
 */
export { createScriptedProvider, scriptedProviderEvents } from './testing/scripted-provider.js';
export type { ScriptedProvider, ScriptedProviderOptions } from './testing/scripted-provider.js';
export {
  chunkText,
  httpErrorTurn,
  resolveStopReason,
  textTurn,
  toolCallTurn,
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
