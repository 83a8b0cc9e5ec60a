import { z } from 'zod';

/*
 * The body an AG-UI client POSTs (`RunAgentInput`, AG-UI 1.0). Objects are loose: clients add
 * fields (`metadata`, `encryptedValue`, `subagentRunId`…). Only what the gateway reads is
 * checked, and none of it is trusted for a decision: the history is the client's copy, and a
 * `resume` entry or a tool message is a claim checked against the calls the gateway asked.
 */

const textPartSchema = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePartSchema = z.looseObject({
  type: z.literal('image'),
  source: z.looseObject({
    type: z.enum(['data', 'url', 'file']),
    value: z.string(),
    mimeType: z.string().optional(),
  }),
});
const otherPartSchema = z.looseObject({ type: z.enum(['audio', 'video', 'document']) });

/** Content of a user or tool message: a string or typed parts. */
export const agUiContentSchema = z.union([
  z.string(),
  z.array(z.union([textPartSchema, imagePartSchema, otherPartSchema])),
]);

const toolCallSchema = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').optional(),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
  /** What the gateway put on the call (`gatewaySignature`), echoed by the client. */
  metadata: z.unknown().optional(),
});

/** One message of the thread, as the client keeps it. */
export const agUiMessageSchema = z.discriminatedUnion('role', [
  z.looseObject({ id: z.string(), role: z.literal('user'), content: agUiContentSchema }),
  z.looseObject({
    id: z.string(),
    role: z.literal('assistant'),
    content: z.string().nullish(),
    toolCalls: z.array(toolCallSchema).optional(),
  }),
  z.looseObject({
    id: z.string(),
    role: z.literal('tool'),
    toolCallId: z.string().min(1),
    content: agUiContentSchema,
    error: z.string().optional(),
    /** What the gateway put on a server tool's result (`gatewaySignature`), echoed back. */
    metadata: z.unknown().optional(),
  }),
  z.looseObject({ id: z.string(), role: z.enum(['system', 'developer', 'activity', 'reasoning']) }),
]);

/** An answer to an interrupt of the previous run. */
export const agUiResumeEntrySchema = z.looseObject({
  interruptId: z.string().min(1),
  status: z.enum(['resolved', 'cancelled']),
  payload: z.unknown().optional(),
});

/** The body of `POST {prefix}/ag-ui`. */
export const runAgentInputSchema = z.looseObject({
  threadId: z.string().min(1),
  runId: z.string().min(1),
  protocolVersion: z.string().optional(),
  parentRunId: z.string().optional(),
  state: z.unknown().optional(),
  messages: z.array(agUiMessageSchema),
  tools: z
    .array(
      z.looseObject({
        name: z.string().min(1).max(128),
        description: z.string(),
        parameters: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .default([]),
  context: z.array(z.looseObject({ description: z.string(), value: z.string() })).default([]),
  forwardedProps: z.unknown().optional(),
  resume: z.array(agUiResumeEntrySchema).optional(),
  /** What to do while the thread's run works (else `forwardedProps.multitask`, else the server's). */
  multitask: z.unknown().optional(),
});

/** A parsed `RunAgentInput`. */
export type RunAgentInput = z.output<typeof runAgentInputSchema>;

/** A parsed message of the thread. */
export type AgUiMessage = z.output<typeof agUiMessageSchema>;
