/**
 * The same HTTP surface on OpenAI: `provider: 'openai'` switches the model behind the gateway;
 * clients, events and tools do not change.
 *
 * - OpenAI: `export OPENAI_API_KEY=sk-…` (Chat Completions, gpt-4o by default).
 * - OpenAI-compatible servers (Ollama, vLLM, LM Studio, OpenRouter…): set `OPENAI_BASE_URL`,
 *   e.g. `http://localhost:11434/v1` for Ollama, and `OPENAI_MODEL` to a model the server has. No key
 *   is needed for a local server.
 * - Neither set: every chat streams a stub reply.
 *
 *   npx agent-gateway serve examples/08-multi-provider/agent.ts
 */
import { createAgent } from 'ai-agent-gateway';

export default createAgent({
  systemPrompt: 'You are a concise, friendly assistant.',
  provider: 'openai',
  model: process.env.OPENAI_MODEL ?? 'gpt-4o',
});
