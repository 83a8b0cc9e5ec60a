import { Role } from '@a2a-js/sdk';
import type { Message, Part } from '@a2a-js/sdk';

/** Builds one text part. */
export const textPart = (text: string): Part => ({
  content: { $case: 'text', value: text },
  metadata: undefined,
  filename: '',
  mediaType: 'text/plain',
});

/** Builds one data part (JSON). */
export const dataPart = (value: Record<string, unknown>): Part => ({
  content: { $case: 'data', value },
  metadata: undefined,
  filename: '',
  mediaType: 'application/json',
});

/** An agent message of a task. */
export const agentMessage = (
  taskId: string,
  contextId: string,
  messageId: string,
  parts: Part[],
): Message => ({
  messageId,
  contextId,
  taskId,
  role: Role.ROLE_AGENT,
  parts,
  metadata: undefined,
  extensions: [],
  referenceTaskIds: [],
});
