import { z } from 'zod';

/** A host a push-notification URL may name though it resolves to a private address. */
const hostPattern = /^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$/;

/**
 * `server.a2a`: the agent served over A2A 1.0 (JSON-RPC, with the 0.3 method names too) at
 * `{prefix}/a2a`, its agent card at `/.well-known/agent-card.json`. `true` for the defaults.
 */
export const a2aOptionSchema = z.union(
  [
    z.boolean(),
    z.strictObject({
      /** The card's `name` (default: `tracing.agentName`, else `agent`). */
      name: z.string().trim().min(1).max(200).optional(),
      /** The card's `description` (default: a sentence naming the agent). */
      description: z.string().trim().min(1).max(2000).optional(),
      /** The card's `version` of the agent (default `1.0.0`). */
      version: z.string().trim().min(1).max(100).optional(),
      /**
       * The public base URL the card announces, e.g. `https://agents.example.com` (the prefix
       * and `/a2a` are added). Default: the origin the card was requested on.
       */
      url: z
        .string()
        .regex(/^https?:\/\/[^/?#]+$/, 'must be an origin like https://agents.example.com (no path)')
        .optional(),
      /**
       * Push notifications to the URLs clients register. They must be `https:` and resolve to
       * public addresses, except hosts listed in `allowedHosts` (`host` or `host:port`, e.g.
       * `127.0.0.1:9000` for a receiver on this machine). `false` turns them off.
       */
      pushNotifications: z
        .union([
          z.boolean(),
          z.strictObject({
            allowedHosts: z.array(z.string().regex(hostPattern, 'must be a host or host:port')).optional(),
            /** Gives up on one notification after this many ms (10 000). */
            timeoutMs: z.number().positive().optional(),
          }),
        ])
        .optional(),
    }),
  ],
  { error: 'must be true, false or { name, description, version, url, pushNotifications }' },
);

/** `server.a2a` as written. */
export type A2aOption = z.input<typeof a2aOptionSchema>;

/** `server.a2a` with its defaults, or undefined when off. */
export interface A2aSettings {
  name: string | undefined;
  description: string | undefined;
  version: string;
  url: string | undefined;
  push: { allowedHosts: readonly string[]; timeoutMs: number } | undefined;
}

/** Resolves `server.a2a`; undefined when A2A is off. */
export function a2aSettingsOf(option: z.output<typeof a2aOptionSchema> | undefined): A2aSettings | undefined {
  if (option === undefined || option === false) return undefined;
  const given = option === true ? {} : option;
  const push = given.pushNotifications ?? true;
  return {
    name: given.name,
    description: given.description,
    version: given.version ?? '1.0.0',
    url: given.url,
    push:
      push === false
        ? undefined
        : {
            allowedHosts: push === true ? [] : (push.allowedHosts ?? []),
            timeoutMs: push === true ? 10_000 : (push.timeoutMs ?? 10_000),
          },
  };
}
