import { z } from 'zod';
import { positiveInteger } from '../../agent-spec/parse-spec.js';
import { isAddressOrRange } from './trusted-proxies.js';

/**
 * The `server` options that bound what one client's connections can hold (file descriptors,
 * sockets, parser state), with their defaults. Spread into the `server` group's schema.
 */
export const connectionOptionsShape = {
  /**
   * How long a client may take to send a request's headers, in ms (Node's own limit is 60 000).
   * A connection that sends nothing at all is closed after this long too.
   */
  headersTimeoutMs: positiveInteger().default(10_000),
  /**
   * How long a client may take to send one whole request, headers and body, in ms (Node's own
   * limit is 300 000); then it gets `408` and the connection is closed. Only the
   * request counts: a response, such as an event stream, may last as long as its run.
   */
  requestTimeoutMs: positiveInteger().default(30_000),
  /** How long an idle keep-alive connection stays open between requests, in ms. */
  keepAliveTimeoutMs: positiveInteger().default(5_000),
  /** Requests one keep-alive connection may carry; then it is closed. */
  maxRequestsPerSocket: positiveInteger().default(1_000),
  /**
   * Client connections open at once; more are closed at once. Without it, three quarters of the
   * process's open-file limit, the rest kept for upstream, Redis, MCP and code execution.
   */
  maxConnections: positiveInteger().optional(),
  /**
   * Connections one client address may hold at once (at most half of `maxConnections`; an IPv6
   * client counts by its /64); more are closed at once. Behind
   * `trustedProxies` it bounds the requests in progress per forwarded client (`429`).
   */
  maxConnectionsPerAddress: positiveInteger().default(256),
  /**
   * Addresses or CIDR ranges of the proxies in front of the gateway (none by default). Their
   * connections are exempt from `maxConnectionsPerAddress`, and the client behind them is read
   * from `X-Forwarded-For` (the rightmost hop that is not a trusted proxy).
   */
  trustedProxies: z
    .array(
      z.string().refine(isAddressOrRange, { message: 'must be an IP address or a CIDR range (10.0.0.0/8)' }),
      { error: 'must be an array of addresses' },
    )
    .default([]),
};

const connectionOptionsSchema = z.strictObject(connectionOptionsShape);

/** The connection settings of a listener, every default applied. */
export type ConnectionSettings = z.output<typeof connectionOptionsSchema>;

/** The settings of `connectionOptionsShape` when none is given. */
export const connectionDefaults: ConnectionSettings = connectionOptionsSchema.parse({});

/** `settings` (checked options, some perhaps absent) with the defaults of the rest. */
export function connectionSettingsOf(settings: Partial<ConnectionSettings>): ConnectionSettings {
  const given = Object.fromEntries(
    Object.keys(connectionOptionsShape).flatMap((key) => {
      const value = settings[key as keyof ConnectionSettings];
      return value === undefined ? [] : [[key, value]];
    }),
  ) as Partial<ConnectionSettings>;
  return { ...connectionDefaults, ...given };
}
