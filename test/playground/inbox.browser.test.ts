import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';
import { memberHook } from '../helpers/member-hook.js';
import { startPaymentApproverAgent } from '../helpers/payment-approver-agent.js';
import { startMockAgent } from '../helpers/start-mock-agent.js';
import { clientToolsFrom } from '../helpers/tools-from.js';
import { latestToolResultOf } from '../helpers/upstream-tool-results.js';
import { createSseReader } from '../helpers/sse-reader.js';

/*
 * The approvals inbox page in a real browser (Debian's chromium through playwright-core): an
 * approver signs in with a token, sees the waiting call with its input, approves it, the tool
 * runs and the call leaves the list; a call requested while the page is open appears without a
 * reload.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const cleanup = createCleanupStack();
let browser: Browser;

const ADA = 'tm:acme:ada:';
const EVE = 'tm:acme:eve:approve:payments';

describe.skipIf(!existsSync(chromiumPath))('the approvals inbox page in a real browser', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser.close();
  });
  afterEach(() => cleanup.run());

  it('lets an approver sign in, read and approve a call, and shows a new one without a reload', async () => {
    const { gateway, calls } = await startPaymentApproverAgent(
      cleanup,
      [
        toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_1' }),
        textTurn('Paid ACME-42.'),
        toolCallTurn('send_payment', { to: 'GLOBEX-7' }, { id: 'toolu_2' }),
        textTurn('Paid GLOBEX-7.'),
      ],
      { playground: true, requireDistinctApprover: ['send_payment'] },
    );
    const chat = async (content: string) => {
      const response = await fetch(`${gateway.baseUrl}/chat`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADA}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ role: 'user', content }] }),
      });
      const reader = createSseReader(response);
      cleanup.add(reader, (open) => open.cancel());
      await reader.nextOfType('tool_approval_request');
      return reader;
    };
    const first = await chat('Pay ACME-42');

    const page = cleanup.add(await browser.newPage(), (opened) => opened.close());
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const origin = new URL(gateway.baseUrl).origin;
    await page.goto(`${origin}/inbox`);
    await page.getByLabel('Token').fill(EVE);
    await page.getByRole('button', { name: 'Sign in' }).click();

    const waiting = page.locator('li.approval');
    await waiting.first().waitFor();
    expect(await waiting.count()).toBe(1);
    expect(await waiting.locator('.tool').textContent()).toBe('send_payment');
    expect(JSON.parse((await waiting.locator('pre.input').textContent()) ?? '')).toEqual({ to: 'ACME-42' });
    expect(await waiting.locator('.about').textContent()).toContain('ada (acme)');

    // Keyboard: focus Approve and press Enter.
    await waiting.getByRole('button', { name: 'Approve' }).focus();
    await page.keyboard.press('Enter');
    await waiting.first().waitFor({ state: 'detached' });
    await first.rest();
    expect(calls).toEqual(['ACME-42']);
    await page.locator('#empty').waitFor({ state: 'visible' });

    // Requested while the page is open: it appears without a reload.
    const second = await chat('Pay GLOBEX-7');
    await waiting.first().waitFor();
    expect(JSON.parse((await waiting.locator('pre.input').textContent()) ?? '')).toEqual({ to: 'GLOBEX-7' });
    await waiting.getByLabel('Reason').fill('Not this one');
    await waiting.getByRole('button', { name: 'Deny' }).click();
    await waiting.first().waitFor({ state: 'detached' });
    await second.rest();
    expect(calls).toEqual(['ACME-42']);
    expect(problems).toEqual([]);
  });

  it("lets a colleague type a client-side tool's result as JSON, and the model reads it", async () => {
    const { gateway, upstream } = await startMockAgent(cleanup, {
      turns: [toolCallTurn('scan_document', { page: 3 }, { id: 'toolu_scan' }), textTurn('Scanned.')],
      agent: {
        tools: clientToolsFrom([
          {
            name: 'scan_document',
            description: 'Scans a paper document at the front desk',
            input_schema: { type: 'object', properties: { page: { type: 'number' } } },
          },
        ]),
        server: {
          playground: true,
          auth: { authenticate: memberHook },
          authorize: ({ principal, action, resource }) =>
            action === 'client_tool.answer'
              ? principal.scopes.includes('answer:tools')
              : resource.owner.subject === principal.subject && resource.owner.tenant === principal.tenant,
          database: createMemoryThreadStore(),
        },
      },
    });
    const response = await fetch(`${gateway.baseUrl}/chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADA}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Scan page 3' }] }),
    });
    const reader = createSseReader(response);
    cleanup.add(reader, (open) => open.cancel());
    await reader.nextOfType('tool_call_start');

    const page = cleanup.add(await browser.newPage(), (opened) => opened.close());
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${new URL(gateway.baseUrl).origin}/inbox`);
    await page.getByLabel('Token').fill('tm:acme:eve:answer:tools');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const waiting = page.locator('li.approval');
    await waiting.first().waitFor();
    expect(await waiting.locator('.tool').textContent()).toBe('scan_document');
    expect(await waiting.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    // Not an object: refused on the page, nothing sent.
    await waiting.getByLabel('Result (JSON)').fill('[1, 2]');
    await waiting.getByRole('button', { name: 'Send result' }).click();
    await page.locator('#error').waitFor({ state: 'visible' });
    await waiting.getByLabel('Result (JSON)').fill('{"text": "Invoice 42"}');
    await waiting.getByRole('button', { name: 'Send result' }).click();
    await waiting.first().waitFor({ state: 'detached' });
    await reader.nextOfType('stream_complete');
    expect(latestToolResultOf(upstream.requests.at(-1))).toMatchObject({
      toolCallId: 'toolu_scan',
      value: { text: 'Invoice 42' },
    });
    expect(problems).toEqual([]);
  });
});
