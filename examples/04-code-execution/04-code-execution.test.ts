import { beforeAll, describe, expect, it, vi } from 'vitest';
import { textTurn, toolCallTurn, type MockUpstream } from 'ai-agent-gateway/testing';
import type { GatewayEvent } from 'ai-agent-gateway';
import { createCodeExecution } from 'ai-agent-gateway/code-execution';
import {
  chat,
  openSession,
  type ReceivedFrame,
  type ServedExample,
  streamedText,
  useExampleLifecycle,
  userMessage,
} from '../__fixtures__/example-harness.js';

/** Prints a few lines on both streams and saves a PNG, as a plotting script would. */
const PLOT_CODE = [
  'import sys',
  'for row in range(1, 4):',
  '    print(f"row {row}")',
  'print("computing", file=sys.stderr)',
  'open("_plot_1.png", "wb").write(b"\\x89PNG\\r\\n\\x1a\\nchart")',
].join('\n');
const PLOT_BASE64 = Buffer.from('\x89PNG\r\n\x1a\nchart', 'latin1').toString('base64');

const completions = (frames: readonly ReceivedFrame[]) =>
  frames.flatMap(({ event }) => (event.type === 'tool_call_complete' ? [event] : []));

/** Whether `auto` resolves to a sandbox here; on a plain subprocess every run waits for approval. */
async function sandboxAvailable(): Promise<string | null> {
  const codeExecution = createCodeExecution();
  try {
    const { auto } = await codeExecution.probe();
    return auto === 'docker' || auto === 'bwrap'
      ? null
      : `no sandbox here (auto resolves to ${String(auto)})`;
  } finally {
    await codeExecution.close();
  }
}

describe('example 04-code-execution', () => {
  const example = useExampleLifecycle();
  let noSandbox: string | null = null;

  beforeAll(async () => {
    noSandbox = await sandboxAvailable();
  });

  const serveAgainst = async (mock: MockUpstream): Promise<ServedExample> => {
    vi.stubEnv('ANTHROPIC_API_KEY', 'test-key');
    vi.stubEnv('ANTHROPIC_BASE_URL', mock.url);
    const { default: app } = await import('./agent.js');
    return example.serve(app);
  };

  it('answers with the stub reply when no API key is configured', async () => {
    const { default: app } = await import('./agent.js');
    const served = await example.serve(app);
    const { frames } = await chat(served.url, await openSession(served.url), userMessage('Plot something'));
    expect(streamedText(frames)).toContain('Stub response (no Anthropic credential configured)');
  });

  it('streams the output, returns the plot, and shows the model a placeholder', async (context) => {
    context.skip(noSandbox !== null, noSandbox ?? undefined);
    const upstream = await example.mockUpstream({
      anthropic: [
        toolCallTurn('code_execute', { code: PLOT_CODE }, { id: 'toolu_plot' }),
        textTurn('Here is the chart.'),
      ],
    });
    const served = await serveAgainst(upstream);
    const { frames } = await chat(served.url, await openSession(served.url), userMessage('Plot it'));

    const chunks = frames.flatMap(({ event }) => (event.type === 'tool_output_chunk' ? [event] : []));
    // How output is cut into chunks depends on the backend (a container's log stream may join
    // lines); what each stream carried, in order and numbered from 1, does not.
    const textOf = (stream: string) =>
      chunks.flatMap((chunk) => (chunk.stream === stream ? [chunk.text] : [])).join('');
    expect(textOf('stdout')).toBe('row 1\nrow 2\nrow 3\n');
    expect(textOf('stderr')).toBe('computing\n');
    expect(chunks.map((chunk) => chunk.seq)).toEqual(chunks.map((_chunk, index) => index + 1));
    expect(completions(frames)[0]).toMatchObject({
      tool_name: 'code_execute',
      error: null,
      result: {
        stdout: 'row 1\nrow 2\nrow 3\n',
        return_code: 0,
        images: [{ filename: '_plot_1.png', media_type: 'image/png', data_base64: PLOT_BASE64 }],
      },
    });
    const modelSaw = JSON.stringify(upstream.requests[1]?.body);
    expect(modelSaw).toContain('[image: _plot_1.png]');
    expect(modelSaw).not.toContain(PLOT_BASE64);
    expect(frames.at(-1)?.event.type).toBe('stream_complete');
    upstream.assertAllConsumed();
  });

  it('runs a background task and reports its result through code_execute_status', async (context) => {
    context.skip(noSandbox !== null, noSandbox ?? undefined);
    const mock = await example.mockUpstream({
      anthropic: [
        toolCallTurn(
          'code_execute',
          { code: 'import time\ntime.sleep(0.2)\nprint("rolled")', background: true },
          { id: 'toolu_background' },
        ),
        textTurn('Started.'),
      ],
    });
    const served = await serveAgainst(mock);
    const token = await openSession(served.url);
    const started = completions((await chat(served.url, token, userMessage('Roll dice'))).frames)[0];
    expect(started?.result).toMatchObject({ status: 'running' });
    const taskId = (started?.result as { task_id: string }).task_id;

    // The model polls until the task has finished, as the tool description tells it to.
    let report: GatewayEvent | undefined;
    for (;;) {
      mock.enqueue(
        'anthropic',
        toolCallTurn('code_execute_status', { task_id: taskId }),
        textTurn('Checked.'),
      );
      report = completions((await chat(served.url, token, userMessage('Done yet?'))).frames)[0];
      if ((report?.result as { status?: string } | undefined)?.status !== 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(report).toMatchObject({ result: { status: 'completed', task_id: taskId, stdout: 'rolled\n' } });
  });
});
