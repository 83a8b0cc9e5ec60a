import { Role, TaskState, type Message, type StreamResponse, type Task } from '@a2a-js/sdk';
import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseOptions } from '../../core/parse-options.js';
import { egressFetch } from '../../providers/transport/egress-proxy.js';
import { ToolError, type ToolContext } from '../../core/tool.js';
import { tool, type DefinedTool } from '../define-tool.js';

/** Where a call's headers come from: fixed, or made per call (a fresh session token). */
export type A2aHeaders = Record<string, string> | ((signal?: AbortSignal) => Promise<Record<string, string>>);

const optionsSchema = z.strictObject({
  /** The tool's name as the model sees it. */
  name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"'),
  /** What the model is told the remote agent does. */
  description: z.string().min(1),
  /** Where the remote agent's card is: the origin serving `/.well-known/agent-card.json`. */
  url: z.string().url(),
  /** Headers of every request (e.g. `gatewaySessionHeaders(...)` for another gateway). */
  headers: z
    .custom<A2aHeaders>(
      (value) => typeof value === 'function' || (typeof value === 'object' && value !== null),
    )
    .optional(),
});

/** Options of `a2aAgentTool`. */
export type A2aAgentToolOptions = z.input<typeof optionsSchema>;

const inputSchema = z.object({
  message: z.string().min(1).describe('What to ask the remote agent, in full: it sees nothing else'),
  context_id: z
    .string()
    .min(1)
    .optional()
    .describe('The context_id of an earlier answer, to continue that conversation'),
});

const textOfParts = (message: Message | undefined): string =>
  (message?.parts ?? []).map((part) => (part.content?.$case === 'text' ? part.content.value : '')).join(' ');

const answerOfTask = (task: Task): string =>
  task.artifacts
    .flatMap((artifact) => artifact.parts)
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');

/**
 * A tool that asks a remote agent over A2A (any A2A 1.0 or 0.3 server, another gateway's
 * `server.a2a` included) and returns its answer: `{ answer, context_id, task_id }`. The answer
 * streams into the run as `tool_output_chunk` events while the remote agent writes it; a task
 * that fails, is cancelled or asks for input the tool cannot give becomes a `ToolError` the
 * model reads. Cancelling the run cancels the remote task. Calls go through the egress proxy
 * named by `HTTPS_PROXY` / `HTTP_PROXY` unless `NO_PROXY` lists the agent's host.
 */
export function a2aAgentTool(options: A2aAgentToolOptions): DefinedTool {
  const settings = parseOptions(optionsSchema, options, 'a2aAgentTool');
  const headersFor = async (signal: AbortSignal): Promise<Record<string, string>> => {
    const source = settings.headers;
    return typeof source === 'function' ? source(signal) : (source ?? {});
  };
  const clientFor = async (signal: AbortSignal): Promise<Client> => {
    const headers = await headersFor(signal);
    const fetchImpl: typeof fetch = (input, init) => {
      const merged = new Headers(init?.headers);
      for (const [name, value] of Object.entries(headers)) merged.set(name, value);
      return egressFetch(input, { ...init, headers: merged, redirect: 'manual' });
    };
    const factory = new ClientFactory({
      transports: [new JsonRpcTransportFactory({ fetchImpl, legacyCompat: { enabled: true } })],
    });
    return factory.createFromUrl(settings.url);
  };

  return tool({
    name: settings.name,
    description: settings.description,
    inputSchema,
    async execute(input, context: ToolContext) {
      const client = await clientFor(context.signal);
      const message: Message = {
        messageId: randomUUID(),
        contextId: input.context_id ?? '',
        taskId: '',
        role: Role.ROLE_USER,
        parts: [
          {
            content: { $case: 'text', value: input.message },
            metadata: undefined,
            filename: '',
            mediaType: 'text/plain',
          },
        ],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      };
      let task: Task | undefined;
      let answer = '';
      let seq = 0;
      const onUpdate = (event: StreamResponse): void => {
        const payload = event.payload;
        if (payload?.$case === 'task') task = payload.value;
        else if (payload?.$case === 'statusUpdate' && task !== undefined)
          task = { ...task, status: payload.value.status };
        else if (payload?.$case === 'artifactUpdate') {
          const text = (payload.value.artifact?.parts ?? [])
            .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
            .join('');
          answer = payload.value.append ? answer + text : text;
          if (text !== '') {
            seq += 1;
            context.emit({
              type: 'tool_output_chunk',
              tool_call_id: context.toolCallId,
              tool_name: context.toolName,
              stream: 'stdout',
              text,
              seq,
            });
          }
        }
      };
      try {
        const stream = client.sendMessageStream(
          { tenant: '', message, configuration: undefined, metadata: undefined },
          { signal: context.signal },
        );
        for await (const event of stream) onUpdate(event);
      } catch (error) {
        if (context.signal.aborted && task !== undefined) {
          await client.cancelTask({ tenant: '', id: task.id, metadata: undefined }).catch(() => undefined);
        }
        throw new ToolError(
          'remote_agent_unreachable',
          `The agent at ${settings.url} failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      if (task === undefined)
        throw new ToolError('remote_agent_failed', `The agent at ${settings.url} answered no task`);
      const state = task.status?.state;
      const final = answer === '' ? answerOfTask(task) : answer;
      if (state === TaskState.TASK_STATE_COMPLETED)
        return { answer: final, context_id: task.contextId, task_id: task.id };
      const said = textOfParts(task.status?.message);
      if (state === TaskState.TASK_STATE_INPUT_REQUIRED || state === TaskState.TASK_STATE_AUTH_REQUIRED) {
        await client.cancelTask({ tenant: '', id: task.id, metadata: undefined }).catch(() => undefined);
        throw new ToolError(
          'remote_agent_needs_input',
          `The remote agent asked for input this tool cannot give, so its task was cancelled: ${said}`,
        );
      }
      throw new ToolError(
        'remote_agent_failed',
        `The remote agent's task ended ${TaskState[state ?? 0] ?? 'unknown'}${said === '' ? '' : `: ${said}`}`,
      );
    },
  });
}
