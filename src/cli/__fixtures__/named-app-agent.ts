/** An agent module that exports its app by name instead of as the default export. */
import { createAgent } from '../../index.js';

export const app = createAgent({ systemPrompt: 'You answer in one sentence.' });
