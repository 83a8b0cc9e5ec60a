/**
 * Human approval: every `write_note` call waits for a person to approve it.
 *
 * When the model calls `write_note`, the stream emits `tool_approval_request` (with a nonce);
 * nothing is written until the client answers on `POST /api/chat/tool-approval`. A denial, or
 * no answer within two minutes, reaches the model as an error result and the chat goes on.
 * Notes land in `$NOTES_DIR/approved_notes/` (default: a folder in the OS temp directory).
 *
 *   npx agent-gateway serve examples/06-tool-approval/agent.ts
 *   npx tsx examples/06-tool-approval/client.ts "Save a note called todo.txt saying: buy milk"
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createAgent, tool } from 'ai-agent-gateway';

const notesDirectory = join(
  process.env.NOTES_DIR ?? join(tmpdir(), 'ai-agent-gateway-notes'),
  'approved_notes',
);

const writeNote = tool({
  name: 'write_note',
  description: 'Save a short text note to a file. A human approves every call before it runs.',
  inputSchema: z.object({
    // A bare file name: no directories, so a note can never land outside the notes folder.
    filename: z
      .string()
      .regex(/^[A-Za-z0-9][\w.-]{0,99}$/, 'a plain file name such as todo.txt')
      .describe('File name, e.g. todo.txt'),
    content: z.string().max(10_000).describe('The text of the note.'),
  }),
  execute: async ({ filename, content }) => {
    await mkdir(notesDirectory, { recursive: true });
    const path = join(notesDirectory, filename);
    await writeFile(path, content, 'utf8');
    return { saved: path, bytes: Buffer.byteLength(content) };
  },
});

export default createAgent({
  systemPrompt: 'You keep notes for the user. Use write_note to save one when asked.',
  tools: [writeNote], // Called before each tool call; `true` pauses the call until a human answers.
  needsApproval: (toolName) => toolName === 'write_note',
  server: {
    onStartup: () => console.log(`Approved notes are written to ${notesDirectory}`),
  },
});
