import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack, type CleanupStack } from '../helpers/cleanup-stack.js';
import { freePort } from '../helpers/free-port.js';
import { startOidcTestProvider } from '../helpers/oidc-test-provider.js';
import { startPaymentApproverAgent } from '../helpers/payment-approver-agent.js';
import { createSseReader } from '../helpers/sse-reader.js';

/*
 * Single sign-on on the approvals inbox page, in Debian's chromium (playwright-core) against a
 * real OpenID provider on 127.0.0.1 (panva's `oidc-provider`): a notification's link to one item
 * sends the approver to the provider, who signs in with a password and comes back to that item,
 * named and with the sign-in's end shown; the approval runs the tool once; the token is in no
 * URL and not in localStorage; a person of another tenant sees nothing and cannot answer by id;
 * a sign-in that cannot be renewed asks for a new one and comes back to the same item.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const cleanup = createCleanupStack();
let browser: Browser;

/** The API the page's tokens are for: `server.auth.jwt.audience` and `server.inbox.oidc.audience`. */
const AUDIENCE = 'https://agents.example.com/api';
const ACCOUNTS = {
  ada: {
    password: 'ada-password',
    claims: { name: 'Ada Requester', email: 'ada@acme.example' },
    tenant: 'acme',
  },
  eve: {
    password: 'correct horse',
    claims: { name: 'Eve Approver', email: 'eve@acme.example' },
    tenant: 'acme',
  },
  mallory: {
    password: 'battery staple',
    claims: { name: 'Mallory Outsider', email: 'mallory@globex.example' },
    tenant: 'globex',
  },
};

/** A provider with the page's public client, and a payment agent whose inbox signs in there. */
async function startSignInSetup(
  stack: CleanupStack,
  turns: Parameters<typeof startPaymentApproverAgent>[1],
  options: { refreshTokens?: boolean } = {},
) {
  const refreshTokens = options.refreshTokens === true;
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const provider = stack.add(
    await startOidcTestProvider({
      resourceScopes: 'approve:payments',
      accountId: 'unused',
      pages: true,
      accounts: ACCOUNTS,
      refreshTokens,
      clients: [
        {
          client_id: 'inbox-page',
          token_endpoint_auth_method: 'none',
          redirect_uris: [`${origin}/inbox`],
          grant_types: refreshTokens ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
          response_types: ['code'],
        },
      ],
    }),
    (server) => server.close(),
  );
  const agent = await startPaymentApproverAgent(
    stack,
    turns,
    {
      requireDistinctApprover: ['send_payment'],
      auth: { jwt: { issuer: provider.issuer, audience: AUDIENCE } },
      // The approver role's scope is asked for with the person's own.
      inbox: {
        oidc: {
          clientId: 'inbox-page',
          audience: AUDIENCE,
          scopes: ['openid', 'profile', 'email', 'approve:payments'],
        },
      },
    },
    port,
  );
  // Everyone is a person of the provider: the API's callers too, with tokens from the same page.
  const tokens = {
    ada: await tokenOf(stack, origin, provider.issuer, 'ada'),
    eve: await tokenOf(stack, origin, provider.issuer, 'eve'),
  };
  /** Ada asks for a payment; resolves once it waits, with its stream and its approval id. */
  const requestPayment = async (content: string) => {
    const response = await agent.call('POST', '/chat', tokens.ada, { messages: [{ role: 'user', content }] });
    const reader = stack.add(createSseReader(response), (open) => open.cancel());
    const request = await reader.nextOfType('tool_approval_request');
    const listed = (await (await agent.call('GET', '/approvals?scope=tenant', tokens.eve)).json()) as {
      approvals: Array<{ approval_id: string; tool_call_id: string }>;
    };
    const approval = listed.approvals.find((item) => item.tool_call_id === request.tool_call_id);
    if (approval === undefined) throw new Error(`no inbox item for ${request.tool_call_id}`);
    return { reader, approvalId: approval.approval_id };
  };
  return { origin, provider, agent, requestPayment, tokens };
}

/** A person's access token, as the page gets it in a browser profile of its own. */
async function tokenOf(stack: CleanupStack, origin: string, issuer: string, user: keyof typeof ACCOUNTS) {
  const { page } = await openPage(stack);
  await page.goto(`${origin}/inbox`);
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
  await signInAtProvider(page, issuer, user);
  await page.locator('#account').waitFor({ state: 'visible' });
  const token = await sessionStorageToken(page);
  if (token === null)
    throw new Error(
      `no token for ${user}: ${page.url()} ${await page.locator('#who').textContent()} ${await page.locator('#error').textContent()} ${await page.evaluate<string>('JSON.stringify(Object.keys(sessionStorage))')}`,
    );
  return token;
}

/** A fresh browser profile's page that records every URL it requests and every console line. */
async function openPage(stack: CleanupStack) {
  const context = stack.add(await browser.newContext(), (opened) => opened.close());
  const page = await context.newPage();
  const urls: string[] = [];
  const console: string[] = [];
  const problems: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  page.on('framenavigated', (frame) => urls.push(frame.url()));
  page.on('console', (message) => {
    console.push(message.text());
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, urls, console, problems };
}

/** Signs in on the provider's pages, as a person types it. */
async function signInAtProvider(page: Page, issuer: string, user: keyof typeof ACCOUNTS) {
  await page.waitForURL((url) => url.href.startsWith(issuer));
  await page.locator('#login').fill(user);
  await page.locator('#password').fill(ACCOUNTS[user].password);
  await page.locator('#sign-in').click();
  await page.locator('#allow').click();
}

const sessionStorageToken = (page: Page): Promise<string | null> =>
  page.evaluate<string | null>("sessionStorage.getItem('agent-gateway-inbox-token')");

describe.skipIf(!existsSync(chromiumPath))(
  'single sign-on on the approvals inbox page in a real browser',
  () => {
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser.close();
    });
    afterEach(() => cleanup.run());

    it("takes an approver from a notification's link through the provider and back to that item, and the approval runs the tool once", async () => {
      const { origin, provider, agent, requestPayment, tokens } = await startSignInSetup(cleanup, [
        toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_1' }),
        textTurn('Paid ACME-42.'),
        toolCallTurn('send_payment', { to: 'GLOBEX-7' }, { id: 'toolu_2' }),
        textTurn('Not paid.'),
      ]);
      const first = await requestPayment('Pay ACME-42');
      const { page, urls, console, problems } = await openPage(cleanup);
      const link = `${origin}/inbox?approval=${encodeURIComponent(first.approvalId)}`;
      await page.goto(link);
      await signInAtProvider(page, provider.issuer, 'eve');

      // Back on the page, on that item, with the address bar clean.
      const item = page.locator(`li.approval[data-approval-id="${first.approvalId}"]`);
      await item.waitFor();
      expect(page.url()).toBe(link);
      expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Approve');
      const who = (await page.locator('#who').textContent()) ?? '';
      expect(who).toContain('Eve Approver');
      expect(who).toContain('eve');
      expect(who).toContain('tenant acme');
      // A time, after the day's date when the session ends on another day (a run before midnight).
      expect(who).toMatch(/until (?:[A-Z][a-z]{2} \d{1,2}, )?\d{1,2}:\d{2}/);
      // And the item's own expiry: 7 days after the request, with the database.
      const expires = item.locator('time.expires');
      expect(await expires.textContent()).toMatch(/^waits until /);
      const waitsMs = Date.parse((await expires.getAttribute('datetime')) ?? '') - Date.now();
      expect(waitsMs).toBeGreaterThan(6 * 24 * 60 * 60 * 1000);

      await item.getByRole('button', { name: 'Approve' }).click();
      await item.waitFor({ state: 'detached' });
      await first.reader.rest();
      expect(agent.calls).toEqual(['ACME-42']);

      // The token: in sessionStorage only; in no URL, no console line, not in localStorage.
      const token = (await sessionStorageToken(page)) ?? '';
      expect(token.split('.')).toHaveLength(3);
      expect(urls.filter((url) => url.includes(token))).toEqual([]);
      expect(console.filter((line) => line.includes(token))).toEqual([]);
      expect(await page.evaluate<number>('localStorage.length')).toBe(0);
      expect(problems).toEqual([]);

      // Another tenant's approver, with the same role, sees nothing and cannot answer by id.
      const second = await requestPayment('Pay GLOBEX-7');
      const outsider = await openPage(cleanup);
      await outsider.page.goto(`${origin}/inbox`);
      await outsider.page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
      await signInAtProvider(outsider.page, provider.issuer, 'mallory');
      await outsider.page.locator('#empty').waitFor({ state: 'visible' });
      expect(await outsider.page.locator('#who').textContent()).toContain('tenant globex');
      expect(await outsider.page.locator('li.approval').count()).toBe(0);
      const outsiderToken = (await sessionStorageToken(outsider.page)) ?? '';
      const byId = await agent.call(
        'POST',
        `/approvals/${encodeURIComponent(second.approvalId)}/answer`,
        outsiderToken,
        { approved: true },
      );
      const status = byId.status;
      expect([403, 404]).toContain(status);
      const stillWaiting = (await (
        await agent.call('GET', '/approvals?scope=tenant', tokens.eve)
      ).json()) as {
        approvals: Array<{ approval_id: string }>;
      };
      expect(stillWaiting.approvals.map((approval) => approval.approval_id)).toEqual([second.approvalId]);
      const denied = await agent.call(
        'POST',
        `/approvals/${encodeURIComponent(second.approvalId)}/answer`,
        tokens.eve,
        {
          approved: false,
        },
      );
      expect(denied.status).toBe(200);
      await second.reader.rest();
      expect(agent.calls).toEqual(['ACME-42']);
      expect(outsider.problems).toEqual([]);
    });

    it('asks for a new sign-in before the token expires when it cannot be renewed, and comes back to the same item', async () => {
      const { origin, provider, requestPayment } = await startSignInSetup(cleanup, [
        toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_1' }),
        textTurn('Paid ACME-42.'),
      ]);
      const waiting = await requestPayment('Pay ACME-42');
      const { page } = await openPage(cleanup);
      // The page's clock, moved on below: the access token lives 10 minutes.
      await page.clock.install();
      const link = `${origin}/inbox?approval=${encodeURIComponent(waiting.approvalId)}`;
      await page.goto(link);
      await signInAtProvider(page, provider.issuer, 'eve');
      const item = page.locator(`li.approval[data-approval-id="${waiting.approvalId}"]`);
      await item.waitFor();
      const firstToken = await sessionStorageToken(page);
      expect(await page.locator('#renew').isHidden()).toBe(true);

      await page.clock.fastForward('09:30');
      await page.locator('#renew').waitFor({ state: 'visible' });
      expect(await page.locator('#renew-message').textContent()).toMatch(
        /Your sign-in ends at \d{1,2}:\d{2}/,
      );
      // The list stays as it was meanwhile.
      expect(await item.count()).toBe(1);

      await page.getByRole('button', { name: 'Sign in again' }).click();
      // The provider remembers the person: no password this time.
      await page.waitForURL(link);
      await item.waitFor();
      await page.locator('#renew').waitFor({ state: 'hidden' });
      expect(await sessionStorageToken(page)).not.toBe(firstToken);
      expect(await page.evaluate<string | undefined>('document.activeElement?.textContent')).toBe('Approve');

      await page.getByRole('button', { name: 'Sign out' }).click();
      // Ended at the provider too; back on the page, nothing of the sign-in is left.
      await page.waitForURL((url) => url.href.startsWith(provider.issuer));
      await page.goto(`${origin}/inbox`);
      await page.locator('#signed-out').waitFor({ state: 'visible' });
      expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);
    });

    it('renews the token in the background when the provider gives a refresh token, and the approval goes through with it', async () => {
      const { origin, provider, agent, requestPayment } = await startSignInSetup(
        cleanup,
        [toolCallTurn('send_payment', { to: 'ACME-42' }, { id: 'toolu_1' }), textTurn('Paid ACME-42.')],
        { refreshTokens: true },
      );
      const waiting = await requestPayment('Pay ACME-42');
      const { page, problems } = await openPage(cleanup);
      await page.clock.install();
      await page.goto(`${origin}/inbox?approval=${encodeURIComponent(waiting.approvalId)}`);
      await signInAtProvider(page, provider.issuer, 'eve');
      const item = page.locator(`li.approval[data-approval-id="${waiting.approvalId}"]`);
      await item.waitFor();
      const firstToken = await sessionStorageToken(page);

      await page.clock.fastForward('09:30');
      await expect.poll(() => sessionStorageToken(page), { timeout: 15_000 }).not.toBe(firstToken);
      expect(await page.locator('#renew').isHidden()).toBe(true);
      expect(await page.locator('#who').textContent()).toContain('Eve Approver');

      await item.getByRole('button', { name: 'Approve' }).click();
      await item.waitFor({ state: 'detached' });
      await waiting.reader.rest();
      expect(agent.calls).toEqual(['ACME-42']);
      expect(problems).toEqual([]);
    });
  },
);
