/**
 * The agent behind the `useChat` page in `web/`: a to-do list with one tool of each kind.
 *
 * - `list_todos` runs on the server.
 * - `add_todo` runs on the server once a human approves it (`needsApproval`): the page shows
 *   Approve / Deny / Always allow buttons on the tool part.
 * - `get_browser_time` runs in the browser (`execute: 'client'`): the page answers it from
 *   `onToolCall` with `addToolOutput`.
 *
 * The lists live in memory, one per session, and are gone when the server stops.
 *
 *   npx agent-gateway serve examples/10-use-chat/agent.ts
 *   npx vite examples/10-use-chat/web
 */
import { z } from 'zod';
import { createAgent, tool } from 'ai-agent-gateway';

/** Each session's to-do items, in the order they were added. */
const todosBySession = new Map<string, string[]>();

const listTodos = tool({
  name: 'list_todos',
  description: "The user's to-do list, oldest first.",
  inputSchema: z.object({}),
  execute: (_input, { sessionId }) => ({ todos: todosBySession.get(sessionId) ?? [] }),
});

const addTodo = tool({
  name: 'add_todo',
  description: "Add an item to the user's to-do list. The user approves every call.",
  inputSchema: z.object({ text: z.string().min(1).max(200).describe('The item, e.g. "buy milk"') }),
  execute: ({ text }, { sessionId }) => {
    const todos = [...(todosBySession.get(sessionId) ?? []), text];
    todosBySession.set(sessionId, todos);
    return { added: text, count: todos.length };
  },
});

const getBrowserTime = tool({
  name: 'get_browser_time',
  description: "The current date, time and time zone of the user's browser.",
  inputSchema: z.object({}),
  execute: 'client',
});

/** The agent's options (the page test adds a database to them). */
export const todoAgent = {
  systemPrompt:
    'You keep a to-do list for the user. Use list_todos to read it and add_todo to add an item. ' +
    'When a date or time matters, ask the browser with get_browser_time.',
  tools: [listTodos, addTodo, getBrowserTime],
  needsApproval: (toolName: string) => toolName === 'add_todo',
};

// `agent-gateway serve` keeps the chats in its embedded database (`--no-database` turns that
// off): the page then sends only each new message and restores a chat from the gateway.
export default createAgent(todoAgent);
