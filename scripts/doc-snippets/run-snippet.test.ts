import { afterEach, describe, expect, it } from 'vitest';
import { extractCodeBlocks } from './extract-code-blocks.js';
import { runSnippet, snippetEnvironment } from './run-snippet.js';
import {
  createSnippetWorkspace,
  removeSnippetWorkspace,
  snippetFileName,
  type SnippetWorkspace,
} from './snippet-workspace.js';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

describe('runSnippet', () => {
  let workspace: SnippetWorkspace | undefined;

  afterEach(async () => {
    if (workspace !== undefined) await removeSnippetWorkspace(workspace);
    workspace = undefined;
  });

  it('kills a snippet that does not exit within the timeout', async () => {
    const blocks = extractCodeBlocks('```ts run\nsetInterval(() => undefined, 1000);\n```\n', 'hang.md');
    workspace = await createSnippetWorkspace(repoRoot, {}, blocks);
    const [block] = blocks;
    if (block === undefined) throw new Error('fixture has no block');
    const result = await runSnippet({
      file: join(workspace.directory, snippetFileName(block)),
      tsconfigPath: workspace.tsconfigPath,
      cwd: workspace.directory,
      timeoutMs: 1_500,
    });
    expect(result).toMatchObject({ timedOut: true, exitCode: null, signalName: 'SIGKILL' });
  });
});

describe('snippetEnvironment', () => {
  it('withholds provider credentials, base URLs, Redis and Telegram settings', () => {
    const environment = snippetEnvironment({
      PATH: '/usr/bin',
      ANTHROPIC_API_KEY: 'a',
      ANTHROPIC_AUTH_TOKEN: 'b',
      OPENAI_API_KEY: 'c',
      OPENAI_BASE_URL: 'http://127.0.0.1:1',
      REDIS_URL: 'redis://127.0.0.1:1',
      TELEGRAM_BOT_TOKEN: 'd',
    });
    expect(environment).toEqual({ PATH: '/usr/bin' });
  });
});
