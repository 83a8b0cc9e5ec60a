import type { ResolvedCodeExecutionConfig } from '../code-execution-config.js';

/** The part of the configuration the local backends (subprocess, bwrap) use. */
export type LocalBackendSettings = Pick<
  ResolvedCodeExecutionConfig,
  'pythonCommand' | 'searchPath' | 'extraEnv' | 'limits' | 'killGraceMs'
>;
