import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAgent } from 'ai-agent-gateway';
import { createMemoryThreadStore } from 'ai-agent-gateway/stores';
import { createMockUpstream, textTurn, toolCallTurn, type MockUpstream } from 'ai-agent-gateway/testing';
import {
  clearProviderEnvironment,
  serveExample,
  type ServedExample,
} from '../__fixtures__/example-harness.js';

/*
 * The page itself in a real browser (Debian's chromium through playwright-core), served by
 * Vite's dev server with the proxy of vite.config.ts in front of agent.ts and a scripted model.
 */

const webRoot = fileURLToPath(new URL('./web/', import.meta.url));
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SLOW_ANSWER = 'A long and slow answer that the Stop button cuts short, many words before its end.';

describe.skipIf(!existsSync(chromiumPath))('example 10-use-chat: the page in a browser', () => {
  let upstream: MockUpstream;
  let served: ServedExample;
  let vite: ViteDevServer;
  let browser: Browser;
  let cacheDir = '';
  let pageUrl = '';

  beforeAll(async () => {
    clearProviderEnvironment();
    upstream = await createMockUpstream({ anthropic: [] }); // each test enqueues its turns
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', upstream.url);
    const { todoAgent } = await import('./agent.js');
    // As `agent-gateway serve` runs it: the gateway keeps the chats.
    served = await serveExample(
      createAgent({ ...todoAgent, server: { database: createMemoryThreadStore() } }),
    );
    vi.stubEnv('GATEWAY_URL', served.url); // read by vite.config.ts for its /api proxy
    cacheDir = await mkdtemp(join(tmpdir(), 'example-10-vite-'));
    vite = await createServer({
      root: webRoot,
      configFile: join(webRoot, 'vite.config.ts'),
      cacheDir, // not the shared node_modules/.vite
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0, hmr: false },
    });
    await vite.listen();
    pageUrl = vite.resolvedUrls?.local[0] ?? '';
    browser = await chromium.launch({ executablePath: chromiumPath });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await vite?.close();
    await served?.close();
    await upstream?.close();
    vi.unstubAllEnvs();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('approves a tool with a button, answers the browser tool, shows usage, and keeps the chat on reload', async () => {
    upstream.enqueue(
      'anthropic',
      toolCallTurn('add_todo', { text: 'buy milk' }, { id: 'toolu_p1' }),
      textTurn('Added buy milk.', { usage: { inputTokens: 40, outputTokens: 9 } }),
      toolCallTurn('get_browser_time', {}, { id: 'toolu_p2' }),
      textTurn('Thanks, I know your time now.'),
    );
    const requestsBefore = upstream.requests.length;
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(pageUrl);

    const input = page.getByPlaceholder(/Add buy milk/);
    await input.fill('Add buy milk to my list');
    await input.press('Enter');
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.getByText('Added buy milk.').waitFor();
    await expect.poll(() => page.locator('.usage').first().textContent()).toContain('40 tokens in, 9 out');
    expect(await page.locator('.tool').first().textContent()).toContain('"count": 1');

    await input.fill('What time is it here?');
    await input.press('Enter');
    await page.getByText('Thanks, I know your time now.').waitFor();
    expect(await page.locator('.tool').nth(1).textContent()).toContain('timeZone');

    // The tab's own copy goes: after the reload the chat comes back from the gateway.
    await page.evaluate(
      "for (const key of Object.keys(sessionStorage)) if (key.includes(':messages:')) sessionStorage.removeItem(key)",
    );
    await page.reload();
    await page.getByText('Thanks, I know your time now.').waitFor();
    expect(await page.getByText('Added buy milk.').count()).toBe(1);
    expect(pageErrors).toEqual([]);
    expect(upstream.requests.length - requestsBefore).toBe(4);
  }, 180_000);

  it('Stop cancels the run on the server: the model call is aborted, not left to finish', async () => {
    // The answer stops after its sixth word and waits until its connection closes: only the
    // Stop button can end it (paced alone, a loaded machine could deliver it whole before the
    // click lands).
    upstream.enqueue('anthropic', textTurn(SLOW_ANSWER, { eventDelayMs: 50, stallAfterEvents: 9 }));
    const page = await browser.newPage();
    await page.goto(pageUrl);
    const input = page.getByPlaceholder(/Add buy milk/);
    await input.fill('Talk slowly');
    await input.press('Enter');
    await page.getByText(/^A long and slow/).waitFor();

    await page.getByRole('button', { name: 'Stop', exact: true }).click();

    await page.getByText('ready', { exact: true }).waitFor();
    await expect.poll(() => upstream.requests.at(-1)?.clientAborted).toBe(true);
    expect(await page.getByText(SLOW_ANSWER).count()).toBe(0);
    expect(await page.locator('.error').count()).toBe(0);
  }, 180_000);
});
