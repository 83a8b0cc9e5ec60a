import { ClientFactory, JsonRpcTransportFactory, type Client } from '@a2a-js/sdk/client';
import {
  Role,
  TaskState,
  type Message,
  type SendMessageConfiguration,
  type SendMessageRequest,
  type StreamResponse,
  type Task,
} from '@a2a-js/sdk';

/** A fetch that sends `Authorization: Bearer <token>` with every request. */
export const bearerFetch =
  (token: string): typeof fetch =>
  (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${token}`);
    return fetch(input, { ...init, headers });
  };

/**
 * The SDK's own client for the agent served at `origin`, from its agent card, speaking A2A 1.0
 * (or 0.3 with `legacy`) with the session token.
 */
export async function a2aClientFor(
  origin: string,
  token: string,
  options: { legacy?: boolean } = {},
): Promise<Client> {
  const factory = new ClientFactory({
    transports: [
      new JsonRpcTransportFactory({
        fetchImpl: bearerFetch(token),
        ...(options.legacy === true ? { legacyCompat: { enabled: true } } : {}),
      }),
    ],
  });
  const card = await factory.createFromUrl(origin);
  return card;
}

/** A user message of A2A 1.0 with one text part and, optionally, data parts. */
export function userMessage(
  text: string | undefined,
  options: { taskId?: string; contextId?: string; data?: Record<string, unknown>[] } = {},
): Message {
  return {
    messageId: crypto.randomUUID(),
    contextId: options.contextId ?? '',
    taskId: options.taskId ?? '',
    role: Role.ROLE_USER,
    parts: [
      ...(text === undefined
        ? []
        : [
            {
              content: { $case: 'text' as const, value: text },
              metadata: undefined,
              filename: '',
              mediaType: 'text/plain',
            },
          ]),
      ...(options.data ?? []).map((value) => ({
        content: { $case: 'data' as const, value },
        metadata: undefined,
        filename: '',
        mediaType: 'application/json',
      })),
    ],
    metadata: undefined,
    extensions: [],
    referenceTaskIds: [],
  };
}

/** The answer text of a task: its artifacts' text parts. */
export const answerOf = (task: Task): string =>
  task.artifacts
    .flatMap((artifact) => artifact.parts)
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');

/** The data parts of a task's status message. */
export const statusDataOf = (task: Task): Record<string, unknown>[] =>
  (task.status?.message?.parts ?? []).flatMap((part) =>
    part.content?.$case === 'data' ? [part.content.value as Record<string, unknown>] : [],
  );

/** A short name for each stream event: `task:<state>`, `status:<state>`, `artifact`. */
export const kindsOf = (events: readonly StreamResponse[]): string[] =>
  events.map((event) => {
    const payload = event.payload;
    if (payload?.$case === 'task') return `task:${TaskState[payload.value.status?.state ?? 0]}`;
    if (payload?.$case === 'statusUpdate') return `status:${TaskState[payload.value.status?.state ?? 0]}`;
    return payload?.$case ?? 'none';
  });

/** The text the artifact updates of a stream carry, appended in order. */
export const streamedTextOf = (events: readonly StreamResponse[]): string =>
  events
    .flatMap((event) =>
      event.payload?.$case === 'artifactUpdate' ? (event.payload.value.artifact?.parts ?? []) : [],
    )
    .map((part) => (part.content?.$case === 'text' ? part.content.value : ''))
    .join('');

/** A `SendMessage` request for `message`, with configuration fields where given. */
export const sendRequest = (
  message: Message,
  configuration?: Partial<SendMessageConfiguration>,
): SendMessageRequest => ({
  tenant: '',
  message,
  configuration:
    configuration === undefined
      ? undefined
      : {
          acceptedOutputModes: [],
          taskPushNotificationConfig: undefined,
          returnImmediately: false,
          ...configuration,
        },
  metadata: undefined,
});

/** A `GetTask` / `SubscribeToTask` request. */
export const taskRequest = (id: string): { tenant: string; id: string } => ({ tenant: '', id });

/** The task a `SendMessage` answered with (it throws on a bare message). */
export const asTask = (result: Message | Task): Task => {
  if (!('status' in result)) throw new Error('SendMessage answered a message, not a task');
  return result;
};

/** Every event of a stream. */
export async function collect(stream: AsyncIterable<StreamResponse>): Promise<StreamResponse[]> {
  const events: StreamResponse[] = [];
  for await (const event of stream) events.push(event);
  return events;
}
