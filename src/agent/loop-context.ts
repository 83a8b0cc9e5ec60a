import type { ParsedRunInput } from './agent-loop-input.js';
import type { AgentLoopConfig } from './agent-loop-settings.js';
import type { CostAccumulator } from './budget.js';
import type { executeToolCalls } from './execute-tool-calls.js';
import { executionLocationSafely } from './guarded-lookups.js';
import type { RunState } from './loop-run-state.js';
import type { ModelCandidate } from './model-chain.js';
import { createCheckpointWriter, takeCheckpoint, type CheckpointWriter } from './run-checkpoints.js';

/** The tools in flight a checkpoint records (the calls of the turn being run). */
export type ToolsInFlight = Parameters<typeof takeCheckpoint>[1];

/** What the steps of one run share once its model chain is known. */
export interface LoopContext {
  config: AgentLoopConfig;
  input: ParsedRunInput;
  state: RunState;
  /** The models the run's turns may run on, its own first. */
  chain: readonly ModelCandidate[];
  /** The cost of the run so far, against its budget. */
  accumulator: CostAccumulator;
  /** How the run's tool calls run (one object for every turn). */
  toolSettings: Parameters<typeof executeToolCalls>[1];
  /** Where checkpoints go; undefined when the run takes none. */
  checkpoints: CheckpointWriter | undefined;
  /** Saves a checkpoint of the run now, with the tools in flight when given. */
  checkpoint: (toolsInFlight?: ToolsInFlight) => Promise<void> | undefined;
}

/** The context of a run's steps: its tool settings and its checkpoints. */
export function createLoopContext(
  config: AgentLoopConfig,
  input: ParsedRunInput,
  state: RunState,
  chain: readonly ModelCandidate[],
  accumulator: CostAccumulator,
): LoopContext {
  const { logger } = config;
  const checkpoints = createCheckpointWriter(input.onCheckpoint, logger);
  const checkpoint = (toolsInFlight?: ToolsInFlight): Promise<void> | undefined =>
    checkpoints?.save(
      takeCheckpoint(
        {
          messages: state.messages,
          turns: state.usage.turns,
          tokens: state.usage.tokens,
          costUsd: accumulator.total,
        },
        toolsInFlight,
      ),
      state.signal,
    );
  const toolSettings = {
    tools: input.tools,
    sessionId: input.sessionId,
    emit: state.emit,
    signal: state.signal,
    excludedTools: config.excludedTools,
    toolCallTimeoutMs: config.toolCallTimeoutMs,
    executionLocation: (name: string) =>
      executionLocationSafely(name, { runner: config.executionLocation, tools: input.tools }, logger),
    onToolResult: input.onToolResult ?? config.onToolResult,
    onToolTiming: config.onToolTiming,
    logger,
    maxConcurrentSubAgents: config.maxConcurrentSubAgents,
    trace: state.trace,
  };
  return { config, input, state, chain, accumulator, toolSettings, checkpoints, checkpoint };
}
