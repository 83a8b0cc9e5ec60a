import type { GatewayEvent } from '../core/events.js';

/** Where and how `agent-gateway run` shows a run while it goes. */
export interface RunPrinterOptions {
  /** The answer's text (stdout). */
  writeText: (text: string) => void;
  /** Progress lines: tool calls, retries (stderr). */
  writeProgress: (line: string) => void;
  /** `--json`: every event as one JSON line through `writeText`, nothing else. */
  json?: boolean;
  /** A terminal: a spinner while a tool runs. Otherwise plain lines. */
  tty?: boolean;
}

const SPINNER = ['|', '/', '-', '\\'];

const brief = (value: unknown): string => {
  const text = JSON.stringify(value) ?? '';
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/**
 * Shows a headless run as it happens: the answer's text streamed as it arrives (turns separated
 * by a blank line), one progress line per tool call (a spinner while it runs on a terminal),
 * retries and sub-agents noted. `finish()` ends the text with a newline and stops the spinner.
 */
export function createRunPrinter(options: RunPrinterOptions) {
  let atLineStart = true;
  let wroteText = false;
  let textSinceTool = false;
  let spinner: ReturnType<typeof setInterval> | undefined;
  const running = new Map<string, string>();

  const stopSpinner = (): void => {
    if (spinner === undefined) return;
    clearInterval(spinner);
    spinner = undefined;
    options.writeProgress('\r\u001b[K');
  };
  const progress = (line: string): void => {
    stopSpinner();
    if (!atLineStart) {
      options.writeText('\n');
      atLineStart = true;
    }
    options.writeProgress(`${line}\n`);
  };
  const startSpinner = (label: string): void => {
    if (options.tty !== true) return;
    let frame = 0;
    spinner = setInterval(() => {
      frame = (frame + 1) % SPINNER.length;
      options.writeProgress(`\r${SPINNER[frame] ?? ''} ${label}`);
    }, 120);
    spinner.unref();
  };

  return {
    onEvent(event: GatewayEvent): void {
      if (options.json === true) {
        options.writeText(`${JSON.stringify(event)}\n`);
        return;
      }
      switch (event.type) {
        case 'text_delta':
          stopSpinner();
          // A new turn's text after tool calls starts on its own paragraph.
          if (wroteText && !textSinceTool) options.writeText(atLineStart ? '\n' : '\n\n');
          options.writeText(event.text);
          wroteText = true;
          textSinceTool = true;
          atLineStart = event.text.endsWith('\n');
          return;
        case 'tool_call_start': {
          const label = `${event.tool_name} ${brief(event.tool_input)}`;
          running.set(event.tool_call_id, event.tool_name);
          progress(`-> ${label}`);
          textSinceTool = false;
          startSpinner(label);
          return;
        }
        case 'tool_call_complete': {
          running.delete(event.tool_call_id);
          const server = event.server === null ? '' : ` (${event.server})`;
          progress(
            event.error === null
              ? `   ${event.tool_name}${server} done in ${event.duration_ms} ms`
              : `   ${event.tool_name}${server} failed in ${event.duration_ms} ms: ${event.error.message}`,
          );
          return;
        }
        case 'stream_retry':
          progress(`   model call failed (${event.error}); retrying, the text may repeat`);
          textSinceTool = false;
          return;
        case 'model_fallback':
          progress(`   ${event.from} unavailable (${event.reason}); ${event.to} answers instead`);
          return;
        case 'compaction':
          progress(`   context compacted (${event.chars} characters of summary)`);
          return;
        default:
          return;
      }
    },
    /** Ends the streamed text with a newline and stops the spinner. */
    finish(): void {
      stopSpinner();
      if (options.json !== true && wroteText && !atLineStart) options.writeText('\n');
      atLineStart = true;
    },
  };
}
