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
 * An approver answers a run suspended in the database (issue 46): `POST /runs/:id/tool-approval`
 * by another principal of the run's tenant whom `server.authorize` allows `approval.answer`
 * stores the answer and resumes the run, as the run's own answer would; the requester itself
 * (with `requireDistinctApprover`), a member without the role and another tenant are refused.
 */

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('an approver answering a run suspended in the database', () => {
  it('resumes the run with the approver’s answer, and refuses the requester, members without the role and other tenants', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-gateway-approver-'));
    folders.push(dir);
    const { deleted, call } = await startEmbeddedApproverAgent(cleanup, dir);
    const ada = 'tm:acme:ada:approve:files';
    const chat = await call('POST', '/chat', ada, {
      messages: [{ role: 'user', content: 'delete /tmp/a' }],
      thread_id: 'thr_suspended',
    });
    const reader = createSseReader(chat);
    const request = await reader.nextOfType('tool_approval_request');
    expect(await reader.nextOfType('error')).toMatchObject({ code: 'run_suspended' });
    const runId = String(reader.frames.at(-1)?.runId);
    const runStatus = async (): Promise<unknown> =>
      (await jsonOf(await call('GET', `/runs/${runId}`, ada)))['status'];
    expect(await runStatus()).toBe('suspended');
    const answer = { tool_call_id: request.tool_call_id, nonce: request.nonce, approved: true };

    const own = await call('POST', `/runs/${runId}/tool-approval`, ada, answer);
    expect(own.status).toBe(403);
    expect(await jsonOf(own)).toMatchObject({ code: 'distinct_approver_required' });
    for (const stranger of ['tm:acme:bob:', 'tm:globex:carl:approve:files']) {
      const refused = await call('POST', `/runs/${runId}/tool-approval`, stranger, answer);
      expect(refused.status, stranger).toBe(404);
      expect(await jsonOf(refused)).toEqual({ detail: 'Run not found' });
    }
    const wrongNonce = await call('POST', `/runs/${runId}/tool-approval`, 'tm:acme:eve:approve:files', {
      ...answer,
      nonce: 'not-the-nonce',
    });
    expect(wrongNonce.status).toBe(404);
    expect(deleted).toEqual([]);

    const approved = await call('POST', `/runs/${runId}/tool-approval`, 'tm:acme:eve:approve:files', answer);
    expect(approved.status).toBe(200);
    expect(await jsonOf(approved)).toMatchObject({ status: 'ok', run_id: runId });
    await waitFor(async () => ((await runStatus()) === 'completed' ? true : undefined));
    expect(deleted).toEqual(['/tmp/a']);
    const again = await call('POST', `/runs/${runId}/tool-approval`, 'tm:acme:eve:approve:files', answer);
    expect(again.status).not.toBe(200);

    const audit = await jsonOf(await call('GET', `/runs/${runId}/approvals`, ada));
    expect(audit['approvals']).toMatchObject([
      {
        tool_call_id: 'toolu_1',
        decision: 'approved',
        always_allow: false,
        answered_by: { principal: { issuer: 'authenticate', tenant: 'acme', subject: 'eve' } },
      },
    ]);
  });
});
