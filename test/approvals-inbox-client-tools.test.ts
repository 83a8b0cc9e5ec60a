import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AuthorizeRequest } from '../src/core/authorization.js';
import type { ToolDefinition } from '../src/core/tool.js';
import type { CreateAgentOptions } from '../src/server/contracts/create-agent-options.js';
import { textTurn, toolCallTurn } from '../src/testing/scripted-turn.js';
import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { bearerRequest } from './helpers/bearer-request.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { jsonOf } from './helpers/gateway-client.js';
import { memberHook } from './helpers/member-hook.js';
import { createSseReader } from './helpers/sse-reader.js';
import { startMockAgent } from './helpers/start-mock-agent.js';
import { clientToolsFrom } from './helpers/tools-from.js';
import { latestToolResultOf } from './helpers/upstream-tool-results.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * The approvals inbox lists a client-side tool's call (`kind: "client_tool_result"`) to its
 * requester and to whom `server.authorize` allows `client_tool.answer`, and takes its result by
 * approval id: the model reads it, live or after the run was suspended in the database.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

const ADA = 'tm:acme:ada:';
const EVE = 'tm:acme:eve:answer:tools';
const BOB = 'tm:acme:bob:';
const CARL = 'tm:globex:carl:answer:tools';

const scanDocument: ToolDefinition = {
  name: 'scan_document',
  description: 'Scans a paper document at the front desk',
  input_schema: { type: 'object', properties: { page: { type: 'number' } } },
};

/** Members with `answer:tools` give client tools' results for their tenant; owners do the rest. */
const toolAnswererRole = ({ principal, action, resource }: AuthorizeRequest): boolean => {
  if (action === 'client_tool.answer') return principal.scopes.includes('answer:tools');
  return resource.owner.subject === principal.subject && resource.owner.tenant === principal.tenant;
};

interface InboxItem {
  approval_id: string;
  kind: string;
  tool: string;
  input: unknown;
  state: string;
  answer?: { decision: string; answered_by: unknown };
}

async function startScanAgent(
  database: NonNullable<CreateAgentOptions['server']>['database'],
  suspend: boolean,
) {
  const { upstream, gateway } = await startMockAgent(cleanup, {
    turns: [toolCallTurn('scan_document', { page: 3 }, { id: 'toolu_scan' }), textTurn('Scanned.')],
    agent: {
      tools: clientToolsFrom([scanDocument]),
      server: {
        auth: { authenticate: memberHook },
        authorize: toolAnswererRole,
        database,
        ...(suspend ? { suspendAfterMs: 150, suspendedRunScanIntervalMs: 100 } : {}),
      },
    },
  });
  const call = (method: string, path: string, token: string, body?: unknown): Promise<Response> =>
    bearerRequest(gateway.baseUrl, method, path, token, body);
  const inboxOf = async (token: string, query = 'scope=tenant'): Promise<InboxItem[]> => {
    const response = await call('GET', `/approvals?${query}`, token);
    expect(response.status).toBe(200);
    return (await jsonOf(response))['approvals'] as InboxItem[];
  };
  const chat = await call('POST', '/chat', ADA, { messages: [{ role: 'user', content: 'Scan page 3' }] });
  const reader = createSseReader(chat);
  cleanup.add(reader, (open) => open.cancel());
  await reader.nextOfType('tool_call_start');
  return { upstream, call, inboxOf, reader };
}

describe('the approvals inbox and client-side tools', () => {
  it('lists the call to the requester and an allowed answerer, takes the result once, and the model reads it', async () => {
    const { upstream, call, inboxOf, reader } = await startScanAgent(createMemoryThreadStore(), false);
    const own = await inboxOf(ADA, 'scope=own');
    expect(own).toHaveLength(1);
    expect(own[0]).toMatchObject({
      kind: 'client_tool_result',
      tool: 'scan_document',
      input: { page: 3 },
      state: 'live',
    });
    expect(await inboxOf(EVE)).toEqual(own);
    // Bob's hook says no to `client_tool.answer`; Carl is of another tenant.
    expect(await inboxOf(BOB)).toEqual([]);
    expect(await inboxOf(CARL)).toEqual([]);

    const answer = (token: string, body: unknown) =>
      call('POST', `/approvals/${own[0]?.approval_id ?? ''}/answer`, token, body);
    expect((await answer(CARL, { result: { text: 'x' } })).status).toBe(404);
    expect((await answer(BOB, { result: { text: 'x' } })).status).toBe(404);
    const misfit = await answer(EVE, { approved: true });
    expect(misfit.status).toBe(422);
    expect(await jsonOf(misfit)).toMatchObject({ code: 'answer_does_not_fit_kind' });
    expect((await answer(EVE, { result: 'not an object' })).status).toBe(422);

    const given = await answer(EVE, { result: { text: 'Invoice 42, 120 EUR' } });
    expect(given.status).toBe(200);
    expect(await jsonOf(given)).toMatchObject({ approval_id: own[0]?.approval_id });
    expect((await answer(EVE, { result: { text: 'again' } })).status).toBe(409);
    expect((await answer(ADA, { result: { text: 'mine' } })).status).toBe(409);

    expect(await reader.nextOfType('stream_complete')).toBeDefined();
    expect(latestToolResultOf(upstream.requests.at(-1))).toMatchObject({
      toolCallId: 'toolu_scan',
      value: { text: 'Invoice 42, 120 EUR' },
      isError: false,
    });
    expect(await inboxOf(EVE)).toEqual([]);
    expect(await inboxOf(ADA, 'scope=own')).toEqual([]);
    const audit = await inboxOf(ADA, 'status=answered');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      kind: 'client_tool_result',
      answer: { decision: 'answered', answered_by: { tenant: 'acme', subject: 'eve' } },
    });
  });

  it("leaves the inbox when the requester's own client posts the result, and the audit names it", async () => {
    const { call, inboxOf, reader } = await startScanAgent(createMemoryThreadStore(), false);
    const start = reader.frames.at(-1)?.event as unknown as { tool_call_id: string; nonce: string };
    expect(await inboxOf(EVE)).toHaveLength(1);
    const posted = await call('POST', '/chat/tool-result', ADA, {
      tool_call_id: start.tool_call_id,
      nonce: start.nonce,
      result: { text: 'scanned here' },
    });
    expect(posted.status).toBe(200);
    await reader.nextOfType('stream_complete');
    expect(await inboxOf(EVE)).toEqual([]);
    const audit = await inboxOf(ADA, 'status=answered');
    expect(audit[0]).toMatchObject({
      kind: 'client_tool_result',
      answer: { decision: 'answered', answered_by: { tenant: 'acme', subject: 'ada' } },
    });
  });

  it('takes the result of a call whose run was suspended in the database, and the run resumes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-inbox-client-'));
    folders.push(dir);
    const { upstream, call, inboxOf, reader } = await startScanAgent({ embedded: { dir } }, true);
    expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    const runId = String(reader.frames.at(-1)?.runId);
    const listed = await inboxOf(EVE);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ kind: 'client_tool_result', state: 'suspended', input: { page: 3 } });
    expect(await inboxOf(BOB)).toEqual([]);

    const answer = (token: string) =>
      call('POST', `/approvals/${listed[0]?.approval_id ?? ''}/answer`, token, {
        error: { code: 'scanner_offline', message: 'The scanner is off' },
      });
    expect((await answer(EVE)).status).toBe(200);
    expect((await answer(EVE)).status).toBe(409);
    const runStatus = async (): Promise<unknown> =>
      (await jsonOf(await call('GET', `/runs/${runId}`, ADA)))['status'];
    await waitFor(async () => ((await runStatus()) === 'completed' ? true : undefined));
    const result = latestToolResultOf(upstream.requests.at(-1));
    expect(result).toMatchObject({ toolCallId: 'toolu_scan', isError: true });
    expect(JSON.stringify(result.value)).toContain('scanner_offline');
    expect(await inboxOf(EVE)).toEqual([]);
  });

  it("settles a suspended run's call its requester's client answered, once the run resumes", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-inbox-client-'));
    folders.push(dir);
    const { call, inboxOf, reader } = await startScanAgent({ embedded: { dir } }, true);
    const start = reader.frames.at(-1)?.event as unknown as { tool_call_id: string; nonce: string };
    expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    const runId = String(reader.frames.at(-1)?.runId);
    expect(await inboxOf(ADA, 'scope=own')).toHaveLength(1);
    const posted = await call('POST', '/chat/tool-result', ADA, {
      tool_call_id: start.tool_call_id,
      nonce: start.nonce,
      result: { text: 'scanned here' },
    });
    expect(posted.status).toBe(200);
    const runStatus = async (): Promise<unknown> =>
      (await jsonOf(await call('GET', `/runs/${runId}`, ADA)))['status'];
    await waitFor(async () => ((await runStatus()) === 'completed' ? true : undefined));
    expect(await inboxOf(ADA, 'scope=own')).toEqual([]);
    const audit = await inboxOf(ADA, 'status=answered');
    expect(audit[0]).toMatchObject({
      kind: 'client_tool_result',
      answer: { decision: 'answered', answered_by: { tenant: 'acme', subject: 'ada' } },
    });
  });
});
