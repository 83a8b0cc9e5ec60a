import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LeanTarget } from './lean-load-client.js';
import { compileServer, floorSource, startListening } from './row-servers.js';
import { startServeGateway, stopServeGateway, type StartServeGatewayOptions } from './serve-gateway.js';

/**
 * The lanes of the durable verdict bench: the thin relay (`floor`), the default `serve` (its
 * embedded PostgreSQL), a second default `serve` (`control`, A/A) and `serve --no-database`;
 * and for issue 79's (bench/budget-verdict.ts), the default `serve` with one budget (`budget`).
 */
export const VERDICT_LANES = ['floor', 'default', 'control', 'no-database', 'budget'] as const;
export type VerdictLane = (typeof VERDICT_LANES)[number];

/** A started lane: where it takes chats, and the process whose tree is its cost. */
export interface StartedLane {
  lane: VerdictLane;
  target: LeanTarget;
  pid: number;
  /** A gateway's project folder (its data folder is `.agent-gateway/data` in it). */
  project?: string;
  /** Headers of a new client (a session of its own on a gateway). */
  openClient(index: number): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

/** Options of `startVerdictLane`. */
export interface StartVerdictLaneOptions {
  node: string;
  mockUrl: string;
  /** A copy of the built package for this lane (`serve`'s `packageRoot`); this checkout's when absent. */
  packageRoot?: string | undefined;
  /** More for a gateway lane's process (a preload: bench/durable-gap-anatomy.ts). */
  gateway?: Pick<StartServeGatewayOptions, 'nodeFlags' | 'files' | 'env'> | undefined;
  /**
   * Clients sign in as principals of `BENCH_TENANT` (through the app's `authenticate` hook, on
   * every gateway lane alike) instead of opening API-key sessions: a tenant budget applies to them.
   */
  tenantSessions?: boolean | undefined;
  /** Serve `BENCH_BUDGET` on a lane other than `budget` too (a control lane of another build). */
  budget?: boolean | undefined;
}

const json = { 'content-type': 'application/json' };
const chatBody = (text: string): string => JSON.stringify({ messages: [{ role: 'user', content: text }] });
const floorBuild = join(tmpdir(), 'durable-verdict-floor');

/**
 * The `budget` lane's one budget: on the bench's tenant (`BENCH_TENANT`, every client signs in
 * as one of its principals), so that every chat reserves its model call's worst case and settles
 * it (far from the limit: nothing is refused). The mock answers as `claude-sonnet-4-6`, which the
 * maintained price table prices.
 */
export const BENCH_BUDGET = { budgets: [{ scope: 'tenant', limitUsd: 1_000_000, window: 'month' }] };

/** The tenant the clients of a lane with `tenantSessions` belong to. */
const BENCH_TENANT = 'bench-tenant';

/**
 * The app's `authenticate` hook of a lane with `tenantSessions`: `/chat/init` with the bench's
 * headers opens a session of principal `x-bench-subject` in tenant `x-bench-tenant`; every other
 * request (a chat with its session token) it declines at once, as an app's hook does for a
 * bearer it does not own.
 */
const TENANT_HOOK = `auth: {
      authenticate: (request) => {
        const tenant = request.headers.get('x-bench-tenant');
        return tenant === null ? null : { subject: request.headers.get('x-bench-subject') ?? 'bench', tenant };
      },
    },`;

/** Compiles the floor relay once (before the lanes start). */
export const prepareFloor = (): string => compileServer(floorSource, floorBuild);

/** Starts one lane against the mock model at `options.mockUrl`. */
export async function startVerdictLane(
  lane: VerdictLane,
  options: StartVerdictLaneOptions,
): Promise<StartedLane> {
  if (lane === 'floor') {
    const server = await startListening(options.node, join(floorBuild, 'relay-floor.mjs'), {
      FLOOR_UPSTREAM_URL: options.mockUrl,
      // The floor copies each delta's text without parsing the model's events: it must stay far
      // ahead of the gateway lanes at 500 deltas too, or the harness check means nothing.
      FLOOR_RAW_TEXT: '1',
    });
    return {
      lane,
      pid: server.pid,
      target: { name: lane, url: `${server.url}/`, body: chatBody, firstTokenMarker: '"text_delta"' },
      openClient: () => Promise.resolve(json),
      stop: () => server.stop(),
    };
  }
  const gateway = await startServeGateway({
    mode: lane === 'no-database' ? 'no-database' : 'default',
    upstreamUrl: options.mockUrl,
    label: 'durable-verdict',
    execPath: options.node,
    // The CLI's own default level (the request log on, as a new user runs it), to /dev/null.
    logLevel: 'info',
    stderr: 'ignore',
    serveFlags: ['--log-format', 'json'],
    ...(options.packageRoot === undefined ? {} : { packageRoot: options.packageRoot }),
    ...(lane === 'budget' || options.budget === true ? { server: BENCH_BUDGET } : {}),
    ...(options.tenantSessions === true ? { serverSource: TENANT_HOOK } : {}),
    ...options.gateway,
  });
  // A client signs in as a principal of the bench's tenant, or opens a session on the bench key.
  const initOf = (index: number): RequestInit =>
    options.tenantSessions === true
      ? {
          method: 'POST',
          headers: { ...json, 'x-bench-tenant': BENCH_TENANT, 'x-bench-subject': `client-${index}` },
          body: '{}',
        }
      : {
          method: 'POST',
          headers: json,
          body: JSON.stringify({ api_key: 'bench', user: `client-${index}` }),
        };
  const base = gateway.base;
  return {
    lane,
    pid: gateway.child.pid ?? 0,
    project: gateway.project,
    target: {
      name: lane,
      url: `${base}/chat`,
      body: chatBody,
      firstTokenMarker: '"text_delta"',
      endMarker: '"stream_complete"',
    },
    async openClient(index) {
      const response = await fetch(`${base}/chat/init`, initOf(index));
      const token = ((await response.json()) as { session_token?: unknown }).session_token;
      if (typeof token !== 'string') throw new Error(`${lane}: chat/init answered ${response.status}`);
      return { ...json, authorization: `Bearer ${token}` };
    },
    stop: () => stopServeGateway(gateway),
  };
}
