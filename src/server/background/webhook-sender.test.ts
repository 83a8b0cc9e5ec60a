import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ResolveHost } from '../../agent/outbound-address.js';
import type {
  BackgroundRunStore,
  WebhookAttemptOutcome,
  WebhookDelivery,
} from '../../core/background-run-store.js';
import { webhooksOptionSchema } from '../contracts/webhooks-option.js';
import { createWebhookSender } from './webhook-sender.js';
import { startWebhookReceiver } from '../../../test/helpers/webhook-receiver.js';

const SECRET = `whsec_${Buffer.from('unit-secret-unit-secret-unit-sec').toString('base64')}`;
const silent = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/**
 * `count` receivers on 127.0.0.1 (one target each) that answer no request until `count` of
 * them are open at once, all receivers together; resolves their hosts.
 */
async function startGatheringReceivers(count: number): Promise<string[]> {
  const open: ServerResponse[] = [];
  const hosts: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        open.push(response);
        if (open.length === count) for (const each of open) each.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    hosts.push(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return hosts;
}

/** A store whose outbox holds `deliveries`, claimed once; records what was settled, and how. */
function outboxOf(deliveries: WebhookDelivery[]) {
  const settled: string[] = [];
  const outcomes = new Map<string, WebhookAttemptOutcome>();
  let claimed = false;
  const store = {
    enqueueEnded: () => Promise.resolve(0),
    enqueueApprovalRequests: () => Promise.resolve(0),
    claimDue: () => {
      const due = claimed ? [] : deliveries;
      claimed = true;
      return Promise.resolve(due);
    },
    settle: (id: string, _claimer: string, _now: number, outcome: WebhookAttemptOutcome) => {
      settled.push(id);
      outcomes.set(id, outcome);
      return Promise.resolve();
    },
    release: () => Promise.resolve(),
  } as unknown as BackgroundRunStore;
  return { store, settled, outcomes };
}

/** One delivery to `url`, signed with the unit secret. */
const deliveryTo = (url: string, index = 0): WebhookDelivery => ({
  id: `msg_run${index}_ended`,
  runId: `run${index}`,
  url,
  secret: SECRET,
  payload: { type: 'run.ended', data: { index } },
  attempts: 0,
  createdAt: Date.now(),
});

/** A sender over `store` with `webhooks` settings, closed after the test. */
function senderOver(store: BackgroundRunStore, webhooks: Record<string, unknown>, resolve?: ResolveHost) {
  const sender = createWebhookSender({
    store: () => store,
    settings: webhooksOptionSchema.parse(webhooks),
    claimer: 'unit',
    logger: silent,
    report: (error) => {
      throw error;
    },
    ...(resolve === undefined ? {} : { resolve }),
  });
  closers.push(() => sender.close());
  return sender;
}

/** A listener on 127.0.0.1 run by `handle`; counts the connections it accepted. */
async function startListener(handle: (response: ServerResponse) => void) {
  let connections = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => handle(response));
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

/** Answers `status` and then a body that never ends; resolves `dropped` when the client hangs up. */
function endlessAnswer(status: number) {
  let written = 0;
  let hungUp: () => void = () => undefined;
  const dropped = new Promise<void>((resolve) => {
    hungUp = resolve;
  });
  const handle = (response: ServerResponse): void => {
    response.writeHead(status, { 'content-type': 'text/plain' });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = (): void => {
      while (!response.destroyed && response.write(chunk)) written += chunk.length;
      if (!response.destroyed) response.once('drain', pump);
    };
    response.on('close', () => hungUp());
    pump();
  };
  return { handle, dropped, written: () => written };
}

describe('createWebhookSender', () => {
  it('signs with every secret of a rotating server.webhooks.secret, so a receiver holding either verifies', async () => {
    const next = `whsec_${Buffer.from('next-secret-next-secret-next-sec').toString('base64')}`;
    const other = `whsec_${Buffer.from('other-secret-other-secret-other-').toString('base64')}`;
    const receiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    // No secret of the run's own: the server's signs.
    const unsigned = { ...deliveryTo(receiver.url), secret: null };
    const { store, outcomes } = outboxOf([unsigned]);
    const sender = senderOver(store, { secret: [next, SECRET], allowedHosts: [receiver.host] });
    await sender.round();
    await sender.idle();
    expect(outcomes.get(unsigned.id)).toEqual({ delivered: true });
    expect(receiver.received[0]?.signature.split(' ')).toHaveLength(2);
    expect(receiver.verified(next).map((each) => each.payload)).toEqual([unsigned.payload]);
    expect(receiver.verified(SECRET).map((each) => each.payload)).toEqual([unsigned.payload]);
    expect(() => receiver.verified(other)).toThrow(/signature/i);
  });

  it('sends a full claim to many targets at once without an abort-listener leak warning', async () => {
    const count = 20;
    const hosts = await startGatheringReceivers(count);
    const deliveries = hosts.map((host, index) => deliveryTo(`http://${host}/hook`, index));
    const { store, settled } = outboxOf(deliveries);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.name);
    };
    process.on('warning', onWarning);
    closers.push(() => {
      process.off('warning', onWarning);
      return Promise.resolve();
    });
    const sender = createWebhookSender({
      store: () => store,
      settings: webhooksOptionSchema.parse({ allowedHosts: hosts }),
      claimer: 'unit',
      logger: silent,
      report: (error) => {
        throw error;
      },
    });
    closers.push(() => sender.close());
    await sender.round();
    await sender.idle();
    expect(settled.sort()).toEqual(deliveries.map((delivery) => delivery.id).sort());
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('reads a few KB of an endless 2xx answer, drops the connection and counts it delivered', async () => {
    const answer = endlessAnswer(200);
    const listener = await startListener(answer.handle);
    const host = `127.0.0.1:${listener.port}`;
    const delivery = deliveryTo(`http://${host}/hook`);
    const { store, outcomes } = outboxOf([delivery]);
    // A timeout far beyond the test's: only reading less than the whole answer settles it.
    const sender = senderOver(store, { allowedHosts: [host], timeoutMs: 3_600_000 });
    await sender.round();
    await sender.idle();
    await answer.dropped;
    expect(outcomes.get(delivery.id)).toEqual({ delivered: true });
  });

  it('reads a few KB of an endless error answer into a short excerpt and retries later', async () => {
    const answer = endlessAnswer(500);
    const listener = await startListener(answer.handle);
    const host = `127.0.0.1:${listener.port}`;
    const delivery = deliveryTo(`http://${host}/hook`);
    const { store, outcomes } = outboxOf([delivery]);
    const sender = senderOver(store, { allowedHosts: [host], timeoutMs: 3_600_000 });
    await sender.round();
    await sender.idle();
    await answer.dropped;
    const outcome = outcomes.get(delivery.id);
    expect(outcome?.delivered).toBe(false);
    const error = outcome?.delivered === false ? outcome.error : '';
    expect(error).toMatch(/answered HTTP 500: x+$/);
    expect(error.length).toBeLessThan(300);
  });

  it('connects to the address it checked when a name answers public first and loopback next (DNS rebinding)', async () => {
    const listener = await startListener((response) => response.writeHead(204).end());
    let lookups = 0;
    const rebinding: ResolveHost = (hostname) => {
      lookups += 1;
      expect(hostname).toBe('rebind.test');
      return Promise.resolve([{ address: lookups === 1 ? '203.0.113.7' : '127.0.0.1', family: 4 }]);
    };
    const delivery = deliveryTo(`http://rebind.test:${listener.port}/hook`);
    const { store, outcomes } = outboxOf([delivery]);
    // 203.0.113.7 is a documentation address: nothing answers there, the connect timeout ends it.
    const sender = senderOver(store, { connectTimeoutMs: 200 }, rebinding);
    await sender.round();
    await sender.idle();
    expect(outcomes.get(delivery.id)).toMatchObject({ delivered: false });
    expect(listener.connections()).toBe(0);
    expect(lookups).toBe(1);
  });

  it('refuses a name that resolves to a loopback address without connecting', async () => {
    const listener = await startListener((response) => response.writeHead(204).end());
    const loopback: ResolveHost = () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
    const delivery = deliveryTo(`http://receiver.test:${listener.port}/hook`);
    const { store, outcomes } = outboxOf([delivery]);
    const sender = senderOver(store, {}, loopback);
    await sender.round();
    await sender.idle();
    expect(outcomes.get(delivery.id)).toMatchObject({
      delivered: false,
      error: 'its host resolves to a non-public address (server.webhooks.allowedHosts allows one)',
    });
    expect(listener.connections()).toBe(0);
  });
});
