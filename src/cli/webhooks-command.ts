import { randomBytes } from 'node:crypto';

/** `agent-gateway webhooks --help`. */
export const WEBHOOKS_USAGE = `Usage: agent-gateway webhooks secret

Prints a new Standard Webhooks secret (whsec_ and the base64 of 32 random bytes) for
server.webhooks.secret or a run's webhook.secret. Give the receiver the same string: the
standardwebhooks package's new Webhook(secret) takes it as is.`;

/** Random bytes in a secret: above the 24 that `server.webhooks.secret` requires. */
const SECRET_BYTES = 32;

/** A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;

/** Where a webhooks command writes (stdout and stderr by default). */
export interface WebhooksCommandIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
}

/**
 * `agent-gateway webhooks secret`: prints a new webhook signing secret. Resolves the exit code:
 * 0, or 2 (the usage on standard error) for anything else than `secret` or `--help`.
 */
export function runWebhooksCommand(argv: readonly string[], io: WebhooksCommandIo = {}): Promise<number> {
  const out = io.out ?? ((text: string) => console.log(text));
  const err = io.err ?? ((text: string) => console.error(text));
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help')) {
    out(WEBHOOKS_USAGE);
    return Promise.resolve(0);
  }
  if (argv.length === 1 && argv[0] === 'secret') {
    out(newWebhookSecret());
    return Promise.resolve(0);
  }
  const given = argv.length === 0 ? 'no action' : `"${argv.join(' ')}"`;
  err(`agent-gateway webhooks: unknown action (${given}); the one action is secret\n\n${WEBHOOKS_USAGE}`);
  return Promise.resolve(2);
}
