import type { CodeExecutionBackendName } from '../code-execution-config.js';
import type { OutputStream } from './run-process-group.js';

/** Whether a backend can run code here, and why not. */
export interface BackendProbeResult {
  available: boolean;
  /** Why the backend is unavailable (absent when it is available). */
  reason?: string;
}

/** One run of a script that is already written into the work dir. */
export interface BackendRunRequest {
  /** The session's work dir on the gateway's file system. */
  workDir: string;
  /** File name of the script inside `workDir`. */
  scriptName: string;
  /**
   * The session's own ids when it has them (a root gateway gives each session a user of its
   * own, owner of `workDir`): the local backends run the code as them instead of `sandboxUser`.
   */
  user?: { uid: number; gid: number } | undefined;
  timeoutMs: number;
  /** Aborting stops the run; `run` then rejects once the code is no longer running. */
  signal: AbortSignal;
  onOutput: (stream: OutputStream, chunk: Buffer) => void;
}

/** How a run ended. A timed-out run reports return code 124 on every backend. */
export interface BackendRunResult {
  returnCode: number;
  timedOut: boolean;
}

/**
 * A place where Python runs. Implementations own isolation, limits and the stopping of
 * everything they started; the caller owns the work dir, the script and the output.
 */
export interface ExecutionBackend {
  readonly name: CodeExecutionBackendName;
  /** Whether code is isolated from the gateway (network, files, environment, processes). */
  readonly sandboxed: boolean;
  /** Checks that the backend works here. Never rejects. */
  probe(signal: AbortSignal): Promise<BackendProbeResult>;
  /**
   * Runs the script. Rejects when the backend fails (it could not start the code) or when
   * `signal` aborted; in both cases nothing it started is still running.
   */
  run(request: BackendRunRequest): Promise<BackendRunResult>;
}

/** Return code reported for a run stopped by its timeout (as GNU `timeout` does). */
export const TIMEOUT_RETURN_CODE = 124;

/** The error a backend rejects with when its run was cancelled. */
export class ExecutionCancelledError extends Error {
  constructor() {
    super('Code execution was cancelled');
    this.name = 'ExecutionCancelledError';
  }
}
