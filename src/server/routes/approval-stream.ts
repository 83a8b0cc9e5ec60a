import type { ApprovalInboxStore, InboxApproval, InboxQuery } from '../../core/approval-inbox-store.js';
import { HttpError } from '../../core/http-error.js';
import { BusChannel, type MessageBus, type SessionRecord } from '../../core/stores.js';
import type { RequestAuthorizer } from '../auth/request-authorizer.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import { ownerOfSession, tenantKeyOfSession } from '../contracts/session-owner.js';
import type { RouteHandler } from '../http/route-handler.js';
import { SSE_HEADERS } from '../sse/sse-stream.js';
import { parseInboxChangeMessage, type InboxChangeMessage } from '../threads/inbox-change-bus.js';
import { answerToWire, approvalToInboxWire } from './approval-wire.js';
import { maySeeApproval } from '../pending-answers/approval-visibility.js';
import { parseListScope } from './tenant-thread-list.js';

/** Most approvals of each kind a resume replays (the rest: `GET /approvals`). */
const MAX_REPLAYED = 500;

/** What `GET /approvals/stream` needs from the app. */
export interface ApprovalStreamOptions {
  config: Pick<GatewayServerConfig, 'heartbeatIntervalMs' | 'maxBufferedBytesPerStream' | 'sseRetryMs'>;
  bus: MessageBus;
  authorizer: RequestAuthorizer | undefined;
  /** Runs `work` on the inbox (404 `inbox_unavailable` without one, 503 when the database fails). */
  withInbox: <Result>(work: (inbox: ApprovalInboxStore) => Promise<Result>) => Promise<Result>;
  report: (error: unknown, where: string) => void;
  now?: () => number;
}

/** `Last-Event-ID`: the time (unix ms) of the last change the client saw; anything else is a 400. */
function parseSince(header: string | undefined): number | undefined {
  if (header === undefined || header === '') return undefined;
  if (!/^\d{1,15}$/.test(header)) {
    throw new HttpError(400, {
      detail: 'Last-Event-ID must be the id of an event of this stream',
      code: 'invalid_last_event_id',
    });
  }
  return Number(header);
}

/** One SSE frame: its id is the change's time, so a resume replays what came after it. */
const frameOf = (event: string, at: number, data: unknown): string =>
  `id: ${at}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** The frame of a settled approval: `approval_expired` for a timeout, else `approval_answered`. */
const settledFrame = (approvalId: string, runId: string, answer: NonNullable<InboxApproval['answer']>) =>
  frameOf(answer.decision === 'timed_out' ? 'approval_expired' : 'approval_answered', answer.answeredAt, {
    approval_id: approvalId,
    run_id: runId,
    answer: answerToWire(answer),
  });

/**
 * `GET /approvals/stream` (SSE): `approval_requested` (the approval as `GET /approvals` lists it),
 * `approval_answered` and `approval_expired` (its id, run and answer) for the approvals the caller
 * may answer (`scope=own`, the default, or `tenant`, as the list), from every instance (the
 * message bus). Each event's id is the time of its change: reconnecting with `Last-Event-ID`
 * first replays what was requested and answered since (at most `MAX_REPLAYED` of each), then
 * follows live. Delivery is at least once: a change may arrive both replayed and live, and a
 * client keys what it shows by `approval_id`. A client that reads too slowly is dropped and
 * resumes.
 */
export function createApprovalStreamHandler(options: ApprovalStreamOptions): RouteHandler {
  const { config, bus, authorizer, withInbox, report } = options;
  const now = options.now ?? Date.now;
  return async (c) => {
    const session = c.var.session;
    const scope = parseListScope(c.req.query('scope'));
    const since = parseSince(c.req.header('last-event-id'));
    const tenantKey =
      scope === 'tenant' && authorizer !== undefined ? tenantKeyOfSession(session) : undefined;
    // Refused now (no inbox, database down) rather than as a stream that ends at once.
    await withInbox(() => Promise.resolve());
    const signal = c.req.raw.signal;
    const encoder = new TextEncoder();
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
    let closed = false;
    /** What `close` releases, once it exists. */
    const held: { unsubscribe?: () => Promise<void>; heartbeat?: ReturnType<typeof setInterval> } = {};
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(held.heartbeat);
      signal.removeEventListener('abort', close);
      void held.unsubscribe?.().catch((error: unknown) => report(error, 'approval stream'));
      try {
        controller?.close();
      } catch {
        // Already closed by the client's cancel.
      }
    };
    const send = (text: string): void => {
      if (closed || controller === undefined) return;
      controller.enqueue(encoder.encode(text));
      // A client this far behind is dropped; it resumes from its last event id.
      if ((controller.desiredSize ?? 0) < -config.maxBufferedBytesPerStream) close();
    };
    const frameOfChange = async (message: InboxChangeMessage): Promise<string | undefined> => {
      if (!(await maySeeApproval(session, message, authorizer))) return undefined;
      if (message.type === 'settled' && message.answer !== undefined)
        return settledFrame(message.approvalId, message.runId, message.answer);
      const approval = await withInbox((inbox) => inbox.get(message.approvalId));
      return approval === undefined
        ? undefined
        : frameOf('approval_requested', message.at, approvalToInboxWire(approval));
    };
    // Live changes wait behind the replay, and each other, so the stream keeps their order.
    let tail: Promise<void> = Promise.resolve();
    const follow = (payload: unknown): void => {
      const message = parseInboxChangeMessage(payload);
      if (message === undefined) return;
      tail = tail
        .then(async () => {
          const frame = await frameOfChange(message);
          if (frame !== undefined) send(frame);
        })
        .catch((error: unknown) => report(error, 'approval stream'));
    };
    const body = new ReadableStream<Uint8Array>(
      {
        start(started) {
          controller = started;
        },
        cancel: close,
      },
      { highWaterMark: 0, size: (chunk) => chunk.byteLength },
    );
    signal.addEventListener('abort', close);
    held.unsubscribe = await bus.subscribe(BusChannel.approvalInbox(), follow);
    // `retry:` only when configured: a client without it keeps its own reconnection delay.
    const retry = config.sseRetryMs === undefined ? '' : `retry: ${Math.round(config.sseRetryMs)}\n`;
    send(`${retry}: connected\n\n`);
    held.heartbeat = setInterval(() => send(`: heartbeat ${now()}\n\n`), config.heartbeatIntervalMs);
    held.heartbeat.unref?.();
    // The client left while the subscription was being made: release what close() missed.
    if (closed) {
      clearInterval(held.heartbeat);
      void held.unsubscribe().catch((error: unknown) => report(error, 'approval stream'));
    }
    if (since !== undefined) {
      const owner = ownerOfSession(session);
      const base = { owner, now: now(), ...(tenantKey === undefined ? {} : { tenantKey }) };
      tail = tail.then(async () => {
        const frames = await replay(session, since, base, authorizer, withInbox);
        for (const frame of frames) send(frame.text);
      });
      tail = tail.catch((error: unknown) => report(error, 'approval stream replay'));
    }
    if (signal.aborted) close();
    return new Response(body, { status: 200, headers: SSE_HEADERS });
  };
}

/** The frames of what changed after `since`, oldest first. */
async function replay(
  session: SessionRecord,
  since: number,
  base: Omit<InboxQuery, 'status' | 'limit' | 'cursor'>,
  authorizer: RequestAuthorizer | undefined,
  withInbox: ApprovalStreamOptions['withInbox'],
): Promise<Array<{ at: number; text: string }>> {
  const frames: Array<{ at: number; text: string }> = [];
  for (const status of ['pending', 'answered'] as const) {
    let cursor: string | undefined;
    let read = 0;
    while (read < MAX_REPLAYED) {
      const query: InboxQuery = { ...base, status, limit: 100, ...(cursor === undefined ? {} : { cursor }) };
      const page = await withInbox((inbox) => inbox.list(query));
      let older = false;
      for (const approval of page.items) {
        read += 1;
        const at = status === 'pending' ? approval.requestedAt : (approval.answer?.answeredAt ?? 0);
        if (at <= since) {
          older = true;
          break;
        }
        if (!(await maySeeApproval(session, approval, authorizer))) continue;
        frames.push({
          at,
          text:
            approval.answer === undefined
              ? frameOf('approval_requested', at, approvalToInboxWire(approval))
              : settledFrame(approval.approvalId, approval.runId, approval.answer),
        });
      }
      cursor = page.nextCursor;
      if (older || cursor === undefined) break;
    }
  }
  return frames.sort((left, right) => left.at - right.at);
}
