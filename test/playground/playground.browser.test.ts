import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tool } from '../../src/tools/define-tool.js';
import { textTurn, toolCallTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { everythingServer } from '../helpers/mcp-everything.js';
import { startMockAgent, type StartMockAgentOptions } from '../helpers/start-mock-agent.js';
import { createMemoryThreadStore } from '../../src/database/memory/memory-thread-store.js';

/*
 * The playground in a real browser: Debian's chromium driven by playwright-core (nothing is
 * downloaded), against the gateway and the in-repo mock upstream. Set PLAYGROUND_SCREENSHOTS=1
 * to refresh the screenshots in docs/images/.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotsDir = new URL('../../docs/images/', import.meta.url);
const cleanup = createCleanupStack();
/** A 1×1 PNG, as code execution returns a figure. */
const ONE_PIXEL_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
let browser: Browser;

/** A TCP proxy in front of the gateway whose open connections the test can cut. */
async function startCuttableProxy(
  port: number,
): Promise<{ url: string; cut: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const proxyPort = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${proxyPort}`,
    cut: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

async function openPlayground(
  turns: StartMockAgentOptions['turns'],
  agent: StartMockAgentOptions['agent'] = {},
) {
  const deleted: string[] = [];
  const { gateway, upstream } = await startMockAgent(cleanup, {
    turns,
    agent: {
      needsApproval: (name) => name === 'delete_file',
      tools: [
        tool({
          name: 'delete_file',
          description: 'Deletes a file',
          inputSchema: z.object({ path: z.string() }),
          execute: ({ path }) => {
            deleted.push(path);
            return { deleted: path };
          },
        }),
        tool({
          name: 'get_weather',
          description: 'Weather of a city',
          inputSchema: z.object({ city: z.string() }),
          execute: ({ city }) => ({ city, sky: 'clear' }),
        }),
        tool({
          name: 'draw_plot',
          description: 'Draws a plot',
          inputSchema: z.object({}),
          execute: () => ({
            exit_code: 0,
            images: [{ filename: '_plot_1.png', media_type: 'image/png', data_base64: ONE_PIXEL_PNG }],
          }),
        }),
        tool({
          name: 'get_browser_time',
          description: 'The time in the browser',
          inputSchema: z.object({}),
          execute: 'client',
        }),
      ],
      ...agent,
      server: { playground: true, ...agent.server },
    },
  });
  const port = Number(new URL(gateway.baseUrl).port);
  const proxy = cleanup.add(await startCuttableProxy(port), (started) => started.close());
  const page = cleanup.add(await browser.newPage(), (opened) => opened.close());
  await page.goto(`${proxy.url}/`);
  return { page, deleted, proxy, upstream };
}

async function openSession(page: Page, key = 'any-key'): Promise<void> {
  await page.fill('#api-key', key);
  await page.click('#session-form button');
}

async function send(page: Page, text: string): Promise<void> {
  await page.locator('#session-state', { hasText: 'session open' }).waitFor();
  await page.fill('#message', text);
  await page.click('#send');
}

const screenshot = async (page: Page, name: string): Promise<void> => {
  if (process.env.PLAYGROUND_SCREENSHOTS !== '1') return;
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: new URL(name, screenshotsDir).pathname, fullPage: true });
};

/**
 * The transcript's structure, as a person reads it: each turn's role and, in order, its texts
 * and tool cards (tool name, done or failed or running, with a result or error or nothing).
 * Compared instead of pixels: durations, token counts and timers are left out.
 */
/** What `transcriptStructure` reads of a DOM element (the tests compile without the DOM types). */
interface ElementView {
  classList: { contains(name: string): boolean };
  textContent: string | null;
  children: ArrayLike<ElementView>;
  querySelector(selector: string): ElementView | null;
}

const transcriptStructure = (page: Page): Promise<string[][]> =>
  page.$$eval('#transcript .turn', (turns) =>
    (turns as unknown as ElementView[]).map((turn) => {
      if (turn.classList.contains('user')) return ['user', turn.textContent ?? ''];
      const parts = ['assistant'];
      for (const child of Array.from(turn.children)) {
        if (child.classList.contains('text')) parts.push(`text: ${child.textContent ?? ''}`);
        if (child.classList.contains('card')) {
          const status = /\b(done|failed|running|waiting)\b/.exec(
            child.querySelector('.status')?.textContent ?? '',
          );
          const outcome = child.querySelector('pre.result')
            ? 'result'
            : child.querySelector('pre.error')
              ? 'error'
              : 'none';
          parts.push(
            `card: ${child.querySelector('strong')?.textContent ?? ''} ${status?.[1] ?? '?'} ${outcome}`,
          );
        }
      }
      return parts;
    }),
  );

/** Records every response of `page` with status 400 or more (a missing favicon among them). */
const failedResponses = (page: Page): string[] => {
  const failed: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${new URL(response.url()).pathname}`);
  });
  return failed;
};

describe.skipIf(!existsSync(chromiumPath))('the playground in a real browser', () => {
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser.close();
  });
  afterEach(() => cleanup.run());

  it('streams the answer as text, with the thinking folded away once the answer starts', async () => {
    const { page } = await openPlayground([
      {
        blocks: [
          { type: 'thinking', text: 'The user greets me.', signature: 'sig' },
          { type: 'text', text: 'Hello <b>there</b>!' },
        ],
        usage: { inputTokens: 12, outputTokens: 5 },
      },
    ]);
    await openSession(page);
    await send(page, 'Hi');
    await page.locator('.usage').waitFor();

    expect(await page.textContent('.turn.assistant .text')).toBe('Hello <b>there</b>!');
    expect(await page.locator('.turn.assistant b').count()).toBe(0);
    const thinking = page.locator('details.thinking');
    expect(await thinking.getAttribute('open')).toBeNull();
    await page.click('details.thinking summary');
    expect(await thinking.getAttribute('open')).not.toBeNull();
    expect(await page.textContent('details.thinking pre')).toBe('The user greets me.');
    expect(await page.textContent('.usage')).toContain('12 input and 5 output tokens');
    expect(Number((await page.textContent('#event-count'))?.replace(/\D/g, ''))).toBeGreaterThan(3);
    await screenshot(page, 'playground-chat.png');
  });

  it('fills a tool card with its input, result, duration and status', async () => {
    const { page } = await openPlayground([
      toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_w1' }),
      textTurn('Clear in Nantes.'),
    ]);
    await openSession(page);
    await send(page, 'Weather?');
    await page.locator('.turn.assistant .text', { hasText: 'Clear in Nantes.' }).waitFor();

    const card = page.locator('.card[data-tool-call-id="toolu_w1"]');
    expect(await card.locator('strong').textContent()).toBe('get_weather');
    expect(await card.locator('pre.input').textContent()).toContain('"city": "Nantes"');
    expect(await card.locator('pre.result').textContent()).toContain('"sky": "clear"');
    expect(await card.locator('.status').textContent()).toMatch(/done in \d+ ms/);
  });

  it('shows the images a tool returns and the MCP server a tool ran on', async () => {
    const { page } = await openPlayground(
      [
        toolCallTurn('draw_plot', {}, { id: 'toolu_p1' }),
        toolCallTurn('echo', { message: 'over MCP' }, { id: 'toolu_e1' }),
        textTurn('Drawn and echoed.'),
      ],
      { mcp: { servers: { everything: everythingServer() } } },
    );
    await openSession(page);
    await send(page, 'Plot and echo');
    await page.locator('.turn.assistant .text', { hasText: 'Drawn and echoed.' }).waitFor();

    const image = page.locator('.card[data-tool-call-id="toolu_p1"] img');
    expect(await image.getAttribute('src')).toBe(`data:image/png;base64,${ONE_PIXEL_PNG}`);
    expect(await image.evaluate((node) => (node as unknown as { naturalWidth: number }).naturalWidth)).toBe(
      1,
    );
    expect(await page.locator('.card[data-tool-call-id="toolu_e1"] .status').textContent()).toMatch(
      /done in \d+ ms via everything/,
    );
    await screenshot(page, 'playground-tools.png');
  }, 60_000);

  it('drops the text of a failed attempt and shows a banner when the model call is retried', async () => {
    const { page } = await openPlayground([
      { blocks: [{ type: 'text', text: 'A doomed first attempt that breaks off.' }], cutAfterEvents: 4 },
      textTurn('The second attempt.'),
    ]);
    await openSession(page);
    await send(page, 'Try');
    await page.locator('.usage').waitFor();

    expect(await page.textContent('.turn.assistant')).not.toContain('doomed');
    expect(await page.locator('.turn.assistant .text').allTextContents()).toEqual(['The second attempt.']);
    expect(await page.textContent('#banner')).toContain('retrying');
  });

  it('runs a tool once Approve is clicked, and never when Deny is', async () => {
    const approved = await openPlayground([
      toolCallTurn('delete_file', { path: '/tmp/a' }, { id: 'toolu_d1' }),
      textTurn('Deleted.'),
    ]);
    await openSession(approved.page);
    await send(approved.page, 'Delete /tmp/a');
    await approved.page.locator('.approval .countdown', { hasText: 'expires in' }).waitFor();
    // Nothing runs while the approval waits, and the card says so.
    const waiting = approved.page.locator('.card[data-tool-call-id="toolu_d1"] .status');
    expect(await waiting.textContent()).toBe(' waiting for your approval');
    await screenshot(approved.page, 'playground-approval.png');
    await approved.page.click('.approval button:has-text("Approve")');
    await approved.page.locator('.turn.assistant .text', { hasText: 'Deleted.' }).waitFor();
    expect(approved.deleted).toEqual(['/tmp/a']);
    expect(await waiting.textContent()).toMatch(/^ done in \d+ ms$/);

    const denied = await openPlayground([
      toolCallTurn('delete_file', { path: '/tmp/b' }, { id: 'toolu_d2' }),
      textTurn('Kept it.'),
    ]);
    await openSession(denied.page);
    await send(denied.page, 'Delete /tmp/b');
    await denied.page.click('.approval button:has-text("Deny")');
    await denied.page.locator('.turn.assistant .text', { hasText: 'Kept it.' }).waitFor();
    expect(denied.deleted).toEqual([]);
    expect(await denied.page.locator('.card pre.error').textContent()).toContain('user_denied');
  });

  it('warns before unsandboxed code runs, then streams its output into the card', async () => {
    const code = "import time\nprint('line one', flush=True)\ntime.sleep(0.3)\nprint('line two', flush=True)";
    const { page } = await openPlayground(
      [toolCallTurn('code_execute', { code }, { id: 'toolu_c1' }), textTurn('Ran it.')],
      { codeExecution: { registerBwrap: false, registerDocker: false } },
    );
    await openSession(page);
    await send(page, 'Run some Python');
    const card = page.locator('.card[data-tool-call-id="toolu_c1"]');
    await card.locator('.approval').waitFor();
    expect(await card.locator('.warning').textContent()).toContain('unsandboxed');
    await card.locator('button:has-text("Approve")').click();
    await page.locator('.turn.assistant .text', { hasText: 'Ran it.' }).waitFor();

    expect(await card.locator('pre.output').textContent()).toBe('line one\nline two\n');
    expect(await card.locator('.status').textContent()).toMatch(/done in \d+ ms/);
  });

  it('answers a client-side tool through its form', async () => {
    const { page } = await openPlayground([
      toolCallTurn('get_browser_time', {}, { id: 'toolu_t1' }),
      textTurn('It is noon where you are.'),
    ]);
    await openSession(page);
    await send(page, 'What time is it here?');
    await page.fill('.client-tool textarea', '{"time": "12:00"}');
    await page.click('.client-tool button:has-text("Send result")');
    await page.locator('.turn.assistant .text', { hasText: 'It is noon where you are.' }).waitFor();
    expect(await page.locator('.card pre.result').textContent()).toContain('12:00');
  });

  it('stops a run with the Stop button', async () => {
    const { page } = await openPlayground([
      textTurn('A long and slow answer that the stop button will cut short for sure.', { eventDelayMs: 60 }),
    ]);
    await openSession(page);
    await send(page, 'Talk slowly');
    await page.locator('.turn.assistant .text').waitFor();
    await page.click('#stop');
    await page.locator('.failure', { hasText: 'Stopped' }).waitFor();
    expect((await page.textContent('.turn.assistant .text'))?.length).toBeLessThan(60);
  });

  it('resumes after the connection is cut mid-stream, with every event exactly once', async () => {
    const text = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen.';
    const { page, proxy } = await openPlayground([textTurn(text, { eventDelayMs: 40 })]);
    await openSession(page);
    await send(page, 'Count slowly');
    await page.locator('.turn.assistant .text', { hasText: 'three' }).waitFor();
    proxy.cut();
    await page.locator('#banner', { hasText: 'Reconnected' }).waitFor({ timeout: 15_000 });

    expect(await page.textContent('.turn.assistant .text')).toBe(text);
    expect(await page.textContent('#banner')).toMatch(
      /after 1 drop\(s\): events 1-\d+ arrived once each, in order/,
    );
    await screenshot(page, 'playground-resumed.png');
  });

  it('shows a readable error for an invalid API key', async () => {
    const { page } = await openPlayground([], { server: { validApiKeys: ['the-right-key'] } });
    await openSession(page, 'a-wrong-key');
    await page.locator('#banner.error').waitFor();
    expect(await page.textContent('#banner')).toBe('Could not open a session: 401: Invalid API key');
    expect(await page.textContent('#session-state')).toBe('no session');
  });

  it('lists the stored threads: a reload restores the conversation, the next message continues it, and threads switch and delete', async () => {
    const { page, upstream } = await openPlayground(
      [textTurn('Paris.'), textTurn('About 2 million.'), textTurn('Fresh start.')],
      { server: { database: createMemoryThreadStore() } },
    );
    await openSession(page);
    await page.locator('#threads').waitFor();
    await send(page, 'Capital of France?');
    await page.locator('.turn.assistant', { hasText: 'Paris.' }).waitFor();
    await page.locator('#thread-list li').first().waitFor();
    expect(page.url()).toMatch(/#thread=thr_[0-9a-f]{32}$/);

    await page.reload();
    await page.locator('.turn.user', { hasText: 'Capital of France?' }).waitFor();
    await page.locator('.turn.assistant', { hasText: 'Paris.' }).waitFor();
    await send(page, 'How many people live there?');
    await page.locator('.turn.assistant', { hasText: 'About 2 million.' }).waitFor();
    // Only the new message went over the wire; the model read the stored history.
    const sent = JSON.stringify(upstream.requests.at(-1)?.body);
    expect(sent).toContain('Capital of France?');
    expect(sent).toContain('Paris.');

    await page.click('#new-thread');
    await expect.poll(() => page.locator('#transcript .turn').count()).toBe(0);
    await send(page, 'Hello?');
    await page.locator('.turn.assistant', { hasText: 'Fresh start.' }).waitFor();
    await expect.poll(() => page.locator('#thread-list li').count()).toBe(2);

    // Newest first: the first thread is the second entry.
    await page.locator('#thread-list li .open-thread').nth(1).click();
    await page.locator('.turn.assistant', { hasText: 'About 2 million.' }).waitFor();
    await page.locator('#thread-list li.current .delete-thread').click();
    await expect.poll(() => page.locator('#thread-list li').count()).toBe(1);
    await expect.poll(() => page.locator('#transcript .turn').count()).toBe(0);
  });

  it('follows a run the gateway suspended once its approval is given', async () => {
    const { page, deleted } = await openPlayground(
      [toolCallTurn('delete_file', { path: '/tmp/late' }, { id: 'toolu_late' }), textTurn('Deleted late.')],
      { server: { database: createMemoryThreadStore(), suspendAfterMs: 100 } },
    );
    await openSession(page);
    await send(page, 'Delete /tmp/late');
    await page.locator('#raw-events', { hasText: 'run_suspended' }).waitFor({ state: 'attached' });
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await page.locator('.turn.assistant', { hasText: 'Deleted late.' }).waitFor();
    expect(deleted).toEqual(['/tmp/late']);
  });
  it('restores a waiting client tool after a reload: its form answers it, and the run goes on', async () => {
    const { page } = await openPlayground(
      [toolCallTurn('get_browser_time', {}, { id: 'toolu_reload' }), textTurn('Noon, after the reload.')],
      { server: { database: createMemoryThreadStore() } },
    );
    const failed = failedResponses(page);
    await openSession(page);
    await send(page, 'What time is it here?');
    await page.locator('.client-tool').waitFor();
    const before = await transcriptStructure(page);

    await page.reload();
    await page.locator('.client-tool').waitFor();
    expect(await transcriptStructure(page)).toEqual(before);
    expect(await page.locator('#stop').isDisabled()).toBe(false);
    await page.fill('.client-tool textarea', '{"time": "12:00"}');
    await page.click('.client-tool button:has-text("Send result")');
    await page.locator('.turn.assistant .text', { hasText: 'Noon, after the reload.' }).waitFor();
    expect(await page.locator('.card pre.result').textContent()).toContain('12:00');
    await expect.poll(() => page.locator('#stop').isDisabled()).toBe(true);
    expect(failed).toEqual([]);
  });

  it('restores a waiting approval after a reload, which Stop cancels; the next message is served', async () => {
    const { page, deleted } = await openPlayground(
      [toolCallTurn('delete_file', { path: '/tmp/r' }, { id: 'toolu_r' }), textTurn('Something else.')],
      { server: { database: createMemoryThreadStore() } },
    );
    await openSession(page);
    await send(page, 'Delete /tmp/r');
    await page.locator('.approval').waitFor();
    await page.reload();
    await page.locator('.approval button:has-text("Approve")').waitFor();
    await page.click('#stop');
    await page.locator('.failure', { hasText: 'Stopped' }).waitFor();
    await send(page, 'Never mind');
    await page.locator('.turn.assistant .text', { hasText: 'Something else.' }).waitFor();
    expect(deleted).toEqual([]);
  });

  it('shows a stored thread as it looked live: finished tool cards with results, each turn apart', async () => {
    const { page } = await openPlayground(
      [
        toolCallTurn('get_weather', { city: 'Nantes' }, { id: 'toolu_s1', text: 'I will look it up.' }),
        textTurn('Clear in Nantes.'),
        textTurn('You are welcome.'),
      ],
      { server: { database: createMemoryThreadStore() } },
    );
    await openSession(page);
    await send(page, 'Weather?');
    await page.locator('.turn.assistant .text', { hasText: 'Clear in Nantes.' }).waitFor();
    await send(page, 'Thanks');
    await page.locator('.turn.assistant .text', { hasText: 'You are welcome.' }).waitFor();
    await page.locator('#thread-list li').first().waitFor();
    const live = await transcriptStructure(page);
    expect(live).toEqual([
      ['user', 'Weather?'],
      ['assistant', 'text: I will look it up.', 'card: get_weather done result', 'text: Clear in Nantes.'],
      ['user', 'Thanks'],
      ['assistant', 'text: You are welcome.'],
    ]);

    const threadRead = () => page.waitForResponse((response) => /\/api\/threads\/thr_/.test(response.url()));
    const afterReload = threadRead();
    await page.reload();
    await afterReload;
    await expect.poll(() => transcriptStructure(page)).toEqual(live);
    // ... and after the session is opened again.
    const afterReopen = threadRead();
    await openSession(page);
    await afterReopen;
    await expect.poll(() => transcriptStructure(page)).toEqual(live);
  });
});
