import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackgroundRunStore, WebhookDelivery } from '../../core/background-run-store.js';
import { webhooksOptionSchema } from '../contracts/webhooks-option.js';
import { createWebhookSender } from './webhook-sender.js';

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

/** A receiver on 127.0.0.1 that answers no request until `count` of them are open at once. */
async function startGatheringReceiver(count: number) {
  const open: ServerResponse[] = [];
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
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A store whose outbox holds `deliveries`, claimed once; records what was settled. */
function outboxOf(deliveries: WebhookDelivery[]) {
  const settled: string[] = [];
  let claimed = false;
  const store = {
    enqueueEnded: () => Promise.resolve(0),
    enqueueApprovalRequests: () => Promise.resolve(0),
    claimDue: () => {
      const due = claimed ? [] : deliveries;
      claimed = true;
      return Promise.resolve(due);
    },
    settle: (id: string) => {
      settled.push(id);
      return Promise.resolve();
    },
  } as unknown as BackgroundRunStore;
  return { store, settled };
}

describe('createWebhookSender', () => {
  it('sends a full claim of notifications at once without an abort-listener leak warning', async () => {
    const count = 20;
    const host = await startGatheringReceiver(count);
    const deliveries = Array.from({ length: count }, (_, index): WebhookDelivery => ({
      id: `msg_run${index}_ended`,
      runId: `run${index}`,
      url: `http://${host}/hook`,
      secret: SECRET,
      payload: { type: 'run.ended', data: { index } },
      attempts: 0,
      createdAt: Date.now(),
    }));
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
      settings: webhooksOptionSchema.parse({ allowedHosts: [host] }),
      claimer: 'unit',
      logger: silent,
      report: (error) => {
        throw error;
      },
    });
    closers.push(() => sender.close());
    await sender.round();
    await nextTurn();
    expect(settled.sort()).toEqual(deliveries.map((delivery) => delivery.id).sort());
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
