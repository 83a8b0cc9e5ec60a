import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { silentLogger } from '../../../core/logger.js';
import { GatewayError } from '../../../core/errors.js';
import type { GatewayEvent } from '../../../core/events.js';
import type { Provider, ProviderEvent, ProviderRequest } from '../../../core/provider.js';
import type { ToolContext } from '../../../core/tool.js';
import { createToolDispatcher } from '../../tool-dispatcher.js';
import { pairTools } from '../../pair-tools.js';
import { SUB_AGENT_INSTRUCTIONS } from '../sub-agent-system-prompt.js';
import type { SubAgentToolkitOptions } from '../sub-agent-toolkit-options.js';

/** A temporary directory with files (paths relative to it); `remove()` deletes it all. */
export interface TemporaryDirectory {
  path: string;
  write(relativePath: string, text: string): Promise<string>;
  remove(): Promise<void>;
}

/** Creates a temporary directory under the OS temp dir, filled with `files`. */
export async function createTemporaryDirectory(files: Record<string, string> = {}): Promise<TemporaryDirectory> {
  const path = await mkdtemp(join(tmpdir(), 'sub-agents-'));
  const write = async (relativePath: string, text: string): Promise<string> => {
    const file = join(path, relativePath);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text, 'utf8');
    return file;
  };
  for (const [relativePath, text] of Object.entries(files)) await write(relativePath, text);
  return { path, write, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The two skills of the examples: a researcher with `max_turns: 6` and a summarizer. */
export const SKILL_FILES = {
  'researcher.md': '---\nname: researcher\nmax_turns: 6\n---\nYou research facts carefully.\n',
  'summarizer.md': 'You summarise text in three bullet points.\n',
};

/** Whether a provider request comes from a sub-agent (its system prompt carries the instructions). */
export function isSubAgentRequest(request: ProviderRequest): boolean {
  return typeof request.system === 'string' && request.system.includes(SUB_AGENT_INSTRUCTIONS);
}

/**
 * Wraps a provider so that each `stream()` call first awaits `before(request, signal)` (or the
 * request's cancellation); the wrapped provider's own `stream()` (and so its script) is only
 * reached afterwards. Tests use it to hold sub-agents at a barrier or a gate.
 */
export function createGatedProvider(
  inner: Provider,
  before: (request: ProviderRequest, signal: AbortSignal) => Promise<void> | undefined,
): Provider {
  return {
    name: inner.name,
    hasCredential: () => inner.hasCredential(),
    getModelInfo: (model) => inner.getModelInfo(model),
    stream(request, signal) {
      return (async function* gated(): AsyncGenerator<ProviderEvent> {
        // The wait ends early when the request is cancelled, like a real network call.
        await Promise.race([before(request, signal), untilAborted(signal)]);
        if (signal.aborted) throw new GatewayError('aborted', 'gated provider: request aborted');
        yield* inner.stream(request, signal);
      })();
    },
  };
}

/** A promise with its resolver, for gates and barriers. */
export function createGate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Resolves when `signal` aborts (at once when it already has). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Toolkit options with test defaults: any model, an `echo` tool for sub-agents, silence. */
export function toolkitOptions(
  provider: Provider,
  overrides: Partial<SubAgentToolkitOptions> = {},
): SubAgentToolkitOptions {
  return {
    provider,
    defaultModel: 'scripted-model',
    allowedModels: [],
    parentSessionId: 'parent-session-0123456789',
    buildSubAgentTools: () => {
      const dispatcher = createToolDispatcher({
        tools: pairTools({ echo: (input) => ({ echoed: input.text ?? null }) }, [
          {
            name: 'echo',
            description: 'Echo text back.',
            input_schema: { type: 'object', properties: { text: { type: 'string' } } },
          },
        ]),
      });
      return { executor: dispatcher, definitions: dispatcher.getToolDefinitions() };
    },
    logger: silentLogger,
    retry: { baseDelayMs: 0 },
    now: () => new Date(2026, 2, 14, 9, 30),
    ...overrides,
  };
}

/** A tool context for calling a handler directly. */
export function toolContext(
  overrides: Partial<ToolContext> & { events?: GatewayEvent[] } = {},
): ToolContext {
  const { events, ...rest } = overrides;
  return {
    toolCallId: 'toolu_1',
    toolName: 'run_agent',
    callIndex: 0,
    sessionId: 'parent-session-0123456789',
    resolvedQualifier: '',
    signal: new AbortController().signal,
    emit: (event) => events?.push(event),
    ...rest,
  };
}
