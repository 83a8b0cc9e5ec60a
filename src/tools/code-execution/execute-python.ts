import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ExecutionBackend } from './backends/execution-backend.js';
import type { OutputStream } from './backends/run-process-group.js';
import { collectImages, snapshotImages, type CodeExecuteImage } from './collect-images.js';
import { clipOutput } from './output/clip-output.js';
import { createLineSplitter, type LineSplitter } from './output/line-splitter.js';
import { createOutputCapture } from './output/output-capture.js';
import { buildPythonScript } from './python-script.js';

/** The result of one `code_execute` run, with the original's field names. */
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
  /** Each output line (with its newline) as it arrives, for streaming. */
  onLine?: (stream: OutputStream, line: string) => void;
  /** Raw output as it arrives, for log files. */
  onOutput?: (stream: OutputStream, chunk: Buffer) => void;
}

/** The notice matplotlib prints on first use; noise to the model, so it is dropped from stderr. */
const FONT_CACHE_NOTICE = /^Matplotlib is building the font cache.*\n?/gm;

/** stderr of a timed-out run that printed nothing, so the model knows what happened. */
export const TIMEOUT_NOTICE = 'Process killed after timeout';

/**
 * Runs one piece of Python on a backend: writes the script (preamble + code) into the work
 * dir as `_code_execute_<id>.py`, streams and captures the output, removes the script, and
 * returns the capped output with the images the run created or changed.
 *
 * Rejects when the backend fails or the run is cancelled; the script is removed either way.
 */
export async function executePython(options: ExecutePythonOptions): Promise<CodeExecuteResult> {
  const { backend, workDir, onLine, onOutput } = options;
  const scriptName = `_code_execute_${randomBytes(4).toString('hex')}.py`;
  const scriptPath = join(workDir, scriptName);
  const before = await snapshotImages(workDir);
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
  let run;
  try {
    run = await backend.run({
      workDir,
      scriptName,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      onOutput: (stream, chunk) => {
        captures[stream].append(chunk);
        splitters?.[stream].push(chunk);
        onOutput?.(stream, chunk);
      },
    });
  } finally {
    await rm(scriptPath, { force: true }).catch(() => undefined);
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
