import { createHmac } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret } from '../src/cli/webhooks-command.js';

const root = new URL('../', import.meta.url);

/** A Standard Webhooks signature made by hand (HMAC-SHA256 of `id.timestamp.body`, base64 key). */
const signByHand = (secret: string, id: string, timestamp: number, body: string): string =>
  `v1,${createHmac('sha256', Buffer.from(secret.replace(/^whsec_/, ''), 'base64'))
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64')}`;

/** README.md and every page of docs/, by path. */
async function documentationPages(): Promise<Map<string, string>> {
  const pages = new Map<string, string>([['README.md', await readFile(new URL('README.md', root), 'utf8')]]);
  for (const name of await readdir(new URL('docs/', root))) {
    if (name.endsWith('.md'))
      pages.set(`docs/${name}`, await readFile(new URL(`docs/${name}`, root), 'utf8'));
  }
  return pages;
}

describe('the webhook secret advice', () => {
  it("matches the standardwebhooks package: new Webhook(secret) takes the whsec_ secret as is and verifies the gateway's signature", () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'run.ended', data: { run_id: 'run_1' } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_run_1_ended',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signByHand(secret, 'msg_run_1_ended', timestamp, body),
    };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // A wrong secret is refused: the verification above is not one that passes anything.
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('is the same on every page: a receiver gives new Webhook the secret unchanged, never stripped of whsec_', async () => {
    const stripping: string[] = [];
    for (const [path, text] of await documentationPages()) {
      for (const line of text.split('\n')) {
        if (/new Webhook\([^)]*\.(replace|slice|substring)\(/.test(line))
          stripping.push(`${path}: ${line.trim()}`);
      }
    }
    expect(stripping).toEqual([]);
  });
});
