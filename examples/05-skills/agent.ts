/**
 * Skills and sub-agents: each markdown file in ./skills is a named sub-agent the model can start
 * with the `run_agent` tool (and poll with `get_background_result` when it runs in the
 * background). A sub-agent gets its own turn limit and prompt, the app's tools minus the
 * sub-agent tools, and shares the chat's budget; only its final report reaches this chat.
 *
 *   npx agent-gateway serve examples/05-skills/agent.ts
 */
import { fileURLToPath } from 'node:url';
import { createAgent } from 'ai-agent-gateway';

export default createAgent({
  systemPrompt: [
    'You are a research lead. You answer questions by delegating with the run_agent tool:',
    '1. Start the "researcher" agent with a precise research task.',
    '2. Pass its findings to the "summarizer" agent to get a short brief.',
    '3. Answer the user from that brief, and mention any warning a sub-agent reported.',
    'Answer small talk yourself without delegating.',
  ].join('\n'),
  // fileURLToPath rather than URL.pathname: it decodes %20 and works on Windows too.
  skills: { dir: fileURLToPath(new URL('./skills', import.meta.url)) },
});
