import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { startPaymentApproverAgent } from '../helpers/payment-approver-agent.js';
import { createSseReader } from '../helpers/sse-reader.js';

/*
 * The approvals inbox on a phone (390 x 844, an iPhone's viewport) in Debian's chromium: the
 * list and its Approve button fit the width, with nothing to scroll sideways even for a long
 * input. Set PLAYGROUND_SCREENSHOTS=1 to refresh its screenshot in docs/images/
 * (docs/approvals-inbox.md shows it); a plain run leaves the checkout as it found it.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotsDir = new URL('../../docs/images/', import.meta.url);
const cleanup = createCleanupStack();
let browser: Browser;

describe.skipIf(!existsSync(chromiumPath))('the approvals inbox on a phone', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser.close();
  });
  afterEach(() => cleanup.run());

  it('shows the list and the Approve button at 390 x 844 without horizontal scrolling', async () => {
    const longReference = `INV-${'0123456789'.repeat(12)}`;
    const { gateway, calls } = await startPaymentApproverAgent(
      cleanup,
      [toolCallTurn('send_payment', { to: longReference }, { id: 'toolu_1' }), textTurn('Paid.')],
      { requireDistinctApprover: ['send_payment'] },
    );
    const response = await fetch(`${gateway.baseUrl}/chat`, {
      method: 'POST',
      headers: { authorization: 'Bearer tm:acme:ada:', 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'Pay the long invoice' }] }),
    });
    const reader = cleanup.add(createSseReader(response), (open) => open.cancel());
    await reader.nextOfType('tool_approval_request');

    const context = cleanup.add(
      await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
        isMobile: true,
        hasTouch: true,
      }),
      (opened) => opened.close(),
    );
    const page = await context.newPage();
    await page.goto(`${new URL(gateway.baseUrl).origin}/inbox`);
    await page.getByLabel('Token').fill('tm:acme:eve:approve:payments');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const item = page.locator('li.approval');
    await item.waitFor();

    expect(await page.locator('#sign-in').isVisible()).toBe(false);
    expect(await page.locator('#who').textContent()).toBe('Signed in with a token');
    const widths = await page.evaluate<{ scroll: number; client: number }>(
      '({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })',
    );
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    const approve = item.getByRole('button', { name: 'Approve' });
    const box = await approve.boundingBox();
    expect(box).not.toBeNull();
    expect((box?.x ?? -1) >= 0 && (box?.x ?? 0) + (box?.width ?? 0) <= 390).toBe(true);
    expect(await approve.isVisible()).toBe(true);
    if (process.env.PLAYGROUND_SCREENSHOTS === '1') {
      mkdirSync(screenshotsDir, { recursive: true });
      await page.screenshot({ path: new URL('inbox-phone.png', screenshotsDir).pathname });
    }

    await approve.tap();
    await item.waitFor({ state: 'detached' });
    await reader.rest();
    expect(calls).toEqual([longReference]);
  });
});
