/**
 * `ai-agent-gateway/code-execution`: sandboxed Python execution (Docker, bubblewrap or a child
 * process) for runtimes built by hand; `createAgent({ codeExecution })` wires the same tools.
 */
export { createCodeExecution } from './tools/code-execution/create-code-execution.js';
export type { CodeExecution, CodeExecutionBundle } from './tools/code-execution/create-code-execution.js';
export type {
  CodeExecutionBackendName,
  CodeExecutionConfig,
  CodeExecutionHost,
  CodeExecutionLimits,
} from './tools/code-execution/code-execution-config.js';
export type { CodeExecutionProbe } from './tools/code-execution/backend-selector.js';
export type { CodeExecuteResult } from './tools/code-execution/execute-python.js';
export type { CodeExecuteImage } from './tools/code-execution/collect-images.js';
export { sanitizeCodeExecuteResult } from './tools/code-execution/sanitize-code-execute-result.js';
export {
  CODE_EXECUTE_STATUS_TOOL,
  CODE_EXECUTE_TOOL,
  createCodeExecuteStatusToolDefinition,
  createCodeExecuteToolDefinition,
} from './tools/code-execution/code-execution-tool-definitions.js';
