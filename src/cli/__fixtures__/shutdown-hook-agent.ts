/** An agent whose shutdown hook announces itself, so a test can see the CLI closed the app. */
import { createAgent } from 'ai-agent-gateway';

export default createAgent({ systemPrompt: 'You answer in one sentence.', server: {
    onShutdown: () => console.log('onShutdown ran'),
  } });
