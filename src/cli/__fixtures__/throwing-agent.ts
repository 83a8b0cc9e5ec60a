import { createAgent } from '../../server/assembly/create-agent.js';

const settings: { limits?: { maxTurns: number } } = {};

// A typo-class bug: reading a property of something undefined while the module loads.
export default createAgent({ systemPrompt: 'Broken.', maxTurns: (settings.limits as { maxTurns: number }).maxTurns });
