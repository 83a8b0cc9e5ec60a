/**
 * The smallest useful gateway: one system prompt. With ANTHROPIC_API_KEY set it talks to Claude;
 * without it every chat gets a stub reply, so you can try the protocol with no account.
 *
 *   npx agent-gateway serve examples/01-minimal/agent.ts
 */
import { createAgent } from 'ai-agent-gateway';

export default createAgent({ systemPrompt: 'You are a concise, friendly assistant.' });
