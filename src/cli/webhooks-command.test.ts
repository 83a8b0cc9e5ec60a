import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { webhooksOptionSchema } from '../server/contracts/webhooks-option.js';
import { main } from './main.js';
import { runWebhooksCommand, WEBHOOKS_USAGE } from './webhooks-command.js';

/** Runs the command and answers its exit code and what it wrote where. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runWebhooksCommand(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  });
  return { code, out, err };
}

describe('agent-gateway webhooks', () => {
  it('prints a new secret that server.webhooks takes and a Standard Webhooks receiver verifies with', async () => {
    const first = await run(['secret']);
    const second = await run(['secret']);
    expect(first).toMatchObject({ code: 0, err: [] });
    const secret = first.out[0] ?? '';
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(second.out[0]).not.toBe(secret);
    expect(webhooksOptionSchema.parse({ secret }).secret).toBe(secret);
    const sentAt = new Date();
    const body = JSON.stringify({ type: 'run.ended' });
    const signature = new Webhook(secret).sign('msg_1', sentAt, body);
    expect(
      new Webhook(secret).verify(body, {
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
        'webhook-signature': signature,
      }),
    ).toEqual({ type: 'run.ended' });
  });

  it('prints its usage for --help, and exits 2 with the usage on standard error otherwise', async () => {
    expect(await run(['--help'])).toEqual({ code: 0, out: [WEBHOOKS_USAGE], err: [] });
    const wrong = await run(['rotate']);
    expect(wrong.code).toBe(2);
    expect(wrong.out).toEqual([]);
    expect(wrong.err[0]).toContain('"rotate"');
    expect(wrong.err[0]).toContain(WEBHOOKS_USAGE);
    expect((await run([])).code).toBe(2);
  });

  it('is reached from the agent-gateway command line', async () => {
    const printed: string[] = [];
    const log = console.log;
    console.log = (line: unknown) => void printed.push(String(line));
    try {
      expect(await main(['webhooks', 'secret'])).toBe(0);
    } finally {
      console.log = log;
    }
    expect(printed[0]).toMatch(/^whsec_/);
  });
});
