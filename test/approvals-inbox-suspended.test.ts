import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { startEmbeddedApproverAgent } from './helpers/embedded-approver-agent.js';
import { jsonOf } from './helpers/gateway-client.js';
import { createSseReader } from './helpers/sse-reader.js';
import { waitFor } from './helpers/wait-for.js';

/*
 * The approvals inbox on the embedded database: a call whose run was suspended in the database
 * is listed (`state: "suspended"`) and answered by its approval id like a live one, and its run
 * resumes with the answer.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the approvals inbox and a run suspended in the database', () => {
  it('lists the suspended call, answers it by approval_id, and the run resumes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-inbox-'));
    folders.push(dir);
    const { deleted, call } = await startEmbeddedApproverAgent(cleanup, dir);
    const inboxOf = async (token: string, query = 'scope=tenant') =>
      (await jsonOf(await call('GET', `/approvals?${query}`, token)))['approvals'] as Array<
        Record<string, unknown>
      >;
    const ada = 'tm:acme:ada:';
    const eve = 'tm:acme:eve:approve:files';
    const chat = await call('POST', '/chat', ada, {
      messages: [{ role: 'user', content: 'delete /tmp/a' }],
      thread_id: 'thr_inbox_suspended',
    });
    const reader = createSseReader(chat);
    await reader.nextOfType('tool_approval_request');
    expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    const runId = String(reader.frames.at(-1)?.runId);

    const listed = await inboxOf(eve);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      run_id: runId,
      thread_id: 'thr_inbox_suspended',
      tool: 'delete_file',
      input: { path: '/tmp/a' },
      state: 'suspended',
      requested_by: { issuer: 'authenticate', tenant: 'acme', subject: 'ada' },
    });
    expect(await inboxOf(ada, 'scope=own')).toEqual(listed);
    expect(await inboxOf('tm:acme:bob:')).toEqual([]);
    expect(await inboxOf('tm:globex:carl:approve:files')).toEqual([]);

    const answer = (token: string) =>
      call('POST', `/approvals/${String(listed[0]?.['approval_id'])}/answer`, token, { approved: true });
    expect((await answer('tm:globex:carl:approve:files')).status).toBe(404);
    expect((await answer(ada)).status).toBe(403);
    const approved = await answer(eve);
    expect(approved.status).toBe(200);
    expect(await jsonOf(approved)).toMatchObject({ status: 'ok', run_id: runId });
    expect(await inboxOf(eve)).toEqual([]);
    expect(await inboxOf(ada, 'scope=own')).toEqual([]);
    const runStatus = async (): Promise<unknown> =>
      (await jsonOf(await call('GET', `/runs/${runId}`, ada)))['status'];
    await waitFor(async () => ((await runStatus()) === 'completed' ? true : undefined));
    expect(deleted).toEqual(['/tmp/a']);
    expect((await answer(eve)).status).toBe(409);
    expect(deleted).toEqual(['/tmp/a']);
    const audit = await inboxOf(ada, 'status=answered');
    expect(audit).toHaveLength(1);
    expect(audit[0]?.['answer']).toMatchObject({
      decision: 'approved',
      answered_by: { issuer: 'authenticate', tenant: 'acme', subject: 'eve' },
    });
  });
});
