import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { embeddedPostgresUnavailableReason, reachableTempFolder } from '../helpers/embedded-postgres.js';
import { freePort } from '../helpers/free-port.js';
import { builtIndex } from '../helpers/built-cli.js';
import { spawnServe } from '../helpers/spawn-serve.js';

/*
 * The playground of a default `serve` (embedded database) in Debian's chromium across a
 * restart of the gateway on the same address: the page keeps its session token, and a reload
 * shows the conversation and goes on with it.
 */

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const unavailable = await embeddedPostgresUnavailableReason();
if (unavailable !== undefined) console.warn(unavailable);

const cleanup = createCleanupStack();
let browser: Browser;

describe.skipIf(!existsSync(chromiumPath) || unavailable !== undefined)(
  'the playground across a gateway restart',
  () => {
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    });
    afterAll(async () => {
      await browser.close();
    });
    afterEach(() => cleanup.run());

    it('shows the old conversation after the restart, and the next message continues it', async () => {
      const project = cleanup.add(await reachableTempFolder('playground-restart-'), (dir) =>
        rm(dir, { recursive: true, force: true }),
      );
      const upstream = cleanup.add(
        await createMockUpstream({ anthropic: [textTurn('Paris.'), textTurn('About 2 million.')] }),
        (server) => server.close(),
      );
      await writeFile(
        join(project, 'agent.ts'),
        `import { createAgent } from ${JSON.stringify(builtIndex)};
export default createAgent({
  systemPrompt: 'You answer briefly.',
  apiKey: 'sk-test',
  providerConfig: { baseURL: ${JSON.stringify(upstream.url)} },
});
`,
      );
      // The same address both times: the page's token is kept per origin.
      const port = String(await freePort());
      const first = cleanup.add(await spawnServe(project, 'agent.ts', ['--port', port]), (each) =>
        each.stop(),
      );
      const page = cleanup.add(await browser.newPage(), (opened) => opened.close());
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.fill('#api-key', 'any-key');
      await page.click('#session-form button');
      await page.locator('#session-state', { hasText: 'session open' }).waitFor();
      await page.fill('#message', 'Capital of France?');
      await page.click('#send');
      await page.locator('.turn.assistant', { hasText: 'Paris.' }).waitFor();
      await page.locator('#thread-list li').first().waitFor();
      expect(page.url()).toMatch(/#thread=thr_[0-9a-f]{32}$/);
      expect(await first.stop()).toBe(0);

      cleanup.add(await spawnServe(project, 'agent.ts', ['--port', port]), (each) => each.stop());
      await page.reload();
      await page.locator('.turn.user', { hasText: 'Capital of France?' }).waitFor();
      await page.locator('.turn.assistant', { hasText: 'Paris.' }).waitFor();
      await page.locator('#session-state', { hasText: 'session open' }).waitFor();
      await page.fill('#message', 'How many people live there?');
      await page.click('#send');
      await page.locator('.turn.assistant', { hasText: 'About 2 million.' }).waitFor();
      // The model read the stored history through the old session.
      const sent = JSON.stringify(upstream.requests.at(-1)?.body);
      expect(sent).toContain('Capital of France?');
      expect(sent).toContain('Paris.');
    });
  },
);
