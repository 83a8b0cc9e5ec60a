import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ToolError } from '../../core/tool.js';
import { ExecutionCancelledError, type ExecutionBackend } from './backends/execution-backend.js';
import type { OutputStream } from './backends/run-process-group.js';
import { collectImages, snapshotImages, type CodeExecuteImage } from './collect-images.js';
import { clipOutput } from './output/clip-output.js';
import { createLineSplitter, type LineSplitter } from './output/line-splitter.js';
import { createOutputCapture } from './output/output-capture.js';
import { buildPythonScript } from './python-script.js';
import {
  isOverQuota,
  measureWorkDir,
  removeExcess,
  settleWorkDir,
  watchWorkDirQuota,
} from './work-dir-quota.js';

/** The result of one `code_execute` run, with snake_case field names (they reach the model as JSON). */
export interface CodeExecuteResult {
  stdout: string;
  stderr: string;
  /** Exit status; minus the signal number when a signal ended the code; 124 after a timeout. */
  return_code: number;
  images: CodeExecuteImage[];
  timed_out: boolean;
  duration_ms: number;
  /** Whether stdout or stderr was cut to fit `maxOutputBytes`. */
  truncated: boolean;
}

/** Options of `executePython`. */
export interface ExecutePythonOptions {
  backend: ExecutionBackend;
  workDir: string;
  code: string;
  preambleSuffix: string;
  timeoutMs: number;
  signal: AbortSignal;
  maxOutputBytes: number;
  maxImages: number;
  maxImageBase64Bytes: number;
  /** Disk quota of the work dir in MiB (`limits.workDirMb`). */
  workDirMb: number;
  /** The session's own ids, when it has them (a root gateway); the backend runs the code as them. */
  user?: { uid: number; gid: number } | undefined;
  /** Who removes files over the quota (the code's user when the gateway is root); see `removeExcess`. */
  removeAs?: { uid: number; gid: number } | undefined;
  /** Each output line (with its newline) as it arrives, for streaming. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Raw output as it arrives, for log files. */
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
}

/** The notice matplotlib prints on first use; noise to the model, so it is dropped from stderr. */
const FONT_CACHE_NOTICE = /^Matplotlib is building the font cache.*\n?/gm;

/** stderr of a timed-out run that printed nothing, so the model knows what happened. */
export const TIMEOUT_NOTICE = 'Process killed after timeout';

const MEBIBYTE = 1024 * 1024;

/**
 * Runs one piece of Python on a backend: writes the script (preamble + code) into the work
 * dir as `_code_execute_<id>.py`, streams and captures the output, removes the script, and
 * returns the capped output with the images the run created or changed.
 *
 * The work dir quota (`workDirMb`) is enforced by measurement, the same way on every backend:
 * the work dir is on the gateway's disk, where no per-directory limit exists without root and
 * a quota-enabled file system. It is measured every 250 ms while the code runs and once after;
 * a run that takes it over the quota is stopped and rejects with `quota_exceeded`, and the
 * files it wrote are removed, largest first, until the work dir fits again. Between two
 * measurements a run can overshoot by what it writes in 250 ms; RLIMIT_FSIZE (capped at the
 * quota) bounds each single file.
 *
 * Rejects when the backend fails or the run is cancelled; the script is removed either way.
 */
export async function executePython(options: ExecutePythonOptions): Promise<CodeExecuteResult> {
  const { backend, workDir, onLine, onOutput } = options;
  const scriptName = `_code_execute_${randomBytes(4).toString('hex')}.py`;
  const scriptPath = join(workDir, scriptName);
  const before = await snapshotImages(workDir);
  const usageBefore = await measureWorkDir(workDir);
  const quotaBytes = options.workDirMb * MEBIBYTE;
  // 'wx': never write through a file (or link) the code may have planted under this name.
  await writeFile(
    scriptPath,
    buildPythonScript({ code: options.code, preambleSuffix: options.preambleSuffix }),
    {
      flag: 'wx',
      mode: 0o644,
    },
  );

  const captures = {
    stdout: createOutputCapture(options.maxOutputBytes),
    stderr: createOutputCapture(options.maxOutputBytes),
  };
  const splitters: Record<OutputStream, LineSplitter> | undefined =
    onLine === undefined
      ? undefined
      : {
          stdout: createLineSplitter((line) => onLine('stdout', line)),
          stderr: createLineSplitter((line) => onLine('stderr', line)),
        };
  const started = performance.now();
  const overQuota = new AbortController();
  const watching = new AbortController();
  watchWorkDirQuota({
    workDir,
    except: scriptPath,
    quotaBytes,
    signal: watching.signal,
    onExceeded: () => overQuota.abort(),
  });
  let run;
  try {
    run = await backend.run({
      workDir,
      scriptName,
      user: options.user,
      timeoutMs: options.timeoutMs,
      signal: AbortSignal.any([options.signal, overQuota.signal]),
      onOutput: (stream, chunk) => {
        captures[stream].append(chunk);
        splitters?.[stream].push(chunk);
        onOutput?.(stream, chunk);
      },
    });
  } catch (error) {
    const stoppedForQuota =
      error instanceof ExecutionCancelledError && overQuota.signal.aborted && !options.signal.aborted;
    if (!stoppedForQuota) throw error;
  } finally {
    watching.abort();
    await rm(scriptPath, { force: true }).catch(() => undefined);
  }
  if (run === undefined || isOverQuota(await measureWorkDir(workDir), quotaBytes)) {
    if (run === undefined) await settleWorkDir(workDir);
    const removed = await removeExcess({
      workDir,
      before: usageBefore,
      quotaBytes,
      removeAs: options.removeAs,
    });
    throw new ToolError(
      'quota_exceeded',
      `The work dir went over its ${options.workDirMb} MiB quota (limits.workDirMb), so the run was stopped` +
        ` and ${removed.files} file(s) it wrote (${(removed.bytes / MEBIBYTE).toFixed(1)} MiB) were removed.` +
        ' Delete files you no longer need or write less.',
    );
  }
  splitters?.stdout.end();
  splitters?.stderr.end();
  const durationMs = Math.round(performance.now() - started);

  let stderr = captures.stderr.text().replace(FONT_CACHE_NOTICE, '');
  if (run.timedOut && stderr.trim() === '') stderr = TIMEOUT_NOTICE;
  const clipped = clipOutput(
    { text: captures.stdout.text(), overflowed: captures.stdout.overflowed },
    { text: stderr, overflowed: captures.stderr.overflowed },
    options.maxOutputBytes,
  );
  const images = await collectImages(workDir, before, {
    maxImages: options.maxImages,
    maxBase64Bytes: options.maxImageBase64Bytes,
  });
  return {
    stdout: clipped.stdout,
    stderr: clipped.stderr,
    return_code: run.returnCode,
    images,
    timed_out: run.timedOut,
    duration_ms: durationMs,
    truncated: clipped.clipped,
  };
}
