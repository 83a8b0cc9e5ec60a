/**
 * An agent that makes the gateway log from every corner: an MCP server that dies at start with
 * words on its stderr, a tool that throws, an approval policy that throws and a tool that needs
 * approval. Its model is the mock upstream at ANTHROPIC_BASE_URL.
 */
import { createAgent, tool } from 'ai-agent-gateway';

const explode = tool({
  name: 'explode',
  description: 'Always fails.',
  inputSchema: { type: 'object', properties: {} },
  execute: () => {
    throw new Error('the tool blew up\n    at a second line of its message');
  },
});

const brokenPolicy = tool({
  name: 'broken_policy',
  description: 'Its approval policy throws.',
  inputSchema: { type: 'object', properties: {} },
  execute: () => 'never runs',
});

const guarded = tool({
  name: 'guarded',
  description: 'Needs approval.',
  inputSchema: { type: 'object', properties: {} },
  execute: () => 'guarded ran',
});

export default createAgent({
  systemPrompt: 'You are a test agent.',
  tools: [explode, brokenPolicy, guarded],
  needsApproval: (name) => {
    if (name === 'broken_policy') throw new Error('policy store unreachable');
    return name === 'guarded';
  },
  mcp: {
    servers: {
      dead: {
        command: process.execPath,
        args: ['-e', "console.error('boom: cannot open ./handbook'); process.exit(3)"],
      },
    },
  },
});
