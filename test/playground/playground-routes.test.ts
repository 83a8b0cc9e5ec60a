import { afterEach, describe, expect, it } from 'vitest';
import { createCleanupStack } from '../helpers/cleanup-stack.js';
import { startMockAgent } from '../helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());

describe('the playground routes', () => {
  it('serves one small page and its files under a strict content security policy', async () => {
    const { gateway } = await startMockAgent(cleanup, {
      agent: {
        model: 'claude-sonnet-4-5',
        server: { playground: true, allowedModels: ['claude-sonnet-4-5', 'claude-haiku-4-5'] },
      },
    });
    const origin = new URL(gateway.baseUrl).origin;
    expect(gateway.app.playgroundPath).toBe('/playground');

    const root = await fetch(`${origin}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/playground');

    const page = await fetch(`${origin}/playground`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'/);
    const html = await page.text();
    expect(html).toContain('<meta name="gateway-prefix" content="/api" />');
    expect(html).toContain('content="claude-sonnet-4-5,claude-haiku-4-5"');
    expect(html).not.toMatch(/<script>|style=/);
    // No icon to fetch: the page links none, and a browser asking anyway hears "no content".
    expect(html).toContain('<link rel="icon" href="data:," />');
    const icon = await fetch(`${origin}/favicon.ico`);
    expect(icon.status).toBe(204);

    let total = Buffer.byteLength(html);
    for (const [file, type] of [
      ['app.js', 'text/javascript'],
      ['render.js', 'text/javascript'],
      ['sse.js', 'text/javascript'],
      ['app.css', 'text/css'],
    ] as const) {
      const response = await fetch(`${origin}/playground/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      total += (await response.arrayBuffer()).byteLength;
    }
    expect(total).toBeLessThanOrEqual(60 * 1024);
    expect((await fetch(`${origin}/playground/tsconfig.json`)).status).toBe(404);
    expect((await fetch(`${origin}/playground/..%2Fplayground-routes.ts`)).status).toBe(404);
  });

  it('is absent unless turned on', async () => {
    const { gateway } = await startMockAgent(cleanup, {});
    const origin = new URL(gateway.baseUrl).origin;
    expect(gateway.app.playgroundPath).toBeUndefined();
    expect((await fetch(`${origin}/playground`)).status).toBe(404);
    expect((await fetch(`${origin}/`, { redirect: 'manual' })).status).toBe(404);
  });
});
