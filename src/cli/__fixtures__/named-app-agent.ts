/** An agent module that exports its app by name instead of as the default export. */
import { createAgent } from 'ai-agent-gateway';

export const app = createAgent({ systemPrompt: 'You answer in one sentence.' });
