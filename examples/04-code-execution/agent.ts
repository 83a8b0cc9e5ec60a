/**
 * Code execution: the model writes Python and the gateway runs it in a sandbox.
 *
 * `codeExecution: true` adds two tools:
 * - `code_execute` runs Python and streams its stdout/stderr lines as `tool_output_chunk`
 *   events while it runs; the result carries stdout, stderr, the exit code and the images the
 *   code produced (matplotlib figures shown with `plt.show()` are saved as `_plot_<n>.png`).
 *   The model reads `[image: _plot_1.png]` instead of the image data; the client gets the data
 *   in `tool_call_complete`.
 * - `code_execute_status` reports on a run started with `background: true` (latest output while
 *   it runs, the full result when done) or cancels it.
 *
 * Where the code runs (`host: "auto"`): a Docker container when an engine answers and the image
 * exists (`CODE_EXECUTE_DOCKER_IMAGE`), else a bubblewrap sandbox (Linux with `bwrap`), else a
 * plain child process, which asks for approval before every run.
 *
 *   npx agent-gateway serve examples/04-code-execution/agent.ts
 */
import { createAgent } from 'ai-agent-gateway';

export default createAgent({
  systemPrompt:
    'You are a data assistant. Answer questions that need computation by running Python with ' +
    'code_execute and explain the result. Files you write persist for this conversation. Plot ' +
    'with matplotlib and call plt.show() when a chart helps. For anything that takes more than ' +
    'a few seconds, pass background: true and check on it with code_execute_status.',
  codeExecution: true,
});
