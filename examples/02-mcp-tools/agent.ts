/**
 * MCP tools: the official filesystem server runs as a child process and its tools (read_text_file,
 * list_directory, search_files…) reach the model through the same loop as local tools. Each
 * `tool_call_complete` names the server that answered (`server: "filesystem"`).
 *
 *   npx agent-gateway serve examples/02-mcp-tools/agent.ts
 *
 * The server may only touch `workspace/` next to this file (or MCP_FS_ROOT when set).
 */
import { fileURLToPath } from 'node:url';
import { createAgent } from 'ai-agent-gateway';

const root = process.env.MCP_FS_ROOT ?? fileURLToPath(new URL('./workspace/', import.meta.url));

export default createAgent({
  systemPrompt:
    'You are a helpful assistant for a small project folder. Use the filesystem tools to list and read files before you answer questions about them, and say which files you used.',
  mcp: {
    servers: {
      filesystem: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-filesystem', root] },
    },
  },
});
