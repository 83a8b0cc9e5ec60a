import { z } from 'zod';
import { tool, type DefinedTool } from '../../src/tools/define-tool.js';

/** A tool that holds the run calling it until the test opens its gate (`createGatedTool`). */
export interface GatedTool {
  /** `wait_here`: no input; answers `{ waited: true }` once the gate is open. */
  readonly tool: DefinedTool;
  /** How many calls reached the gate so far. */
  readonly calls: number;
  /** Lets every waiting call, and every later one, through. */
  open(): void;
}

/**
 * A `wait_here` tool whose calls wait until `open()`: a run that calls it "works" for as long
 * as the test needs its session to be busy.
 */
export function createGatedTool(): GatedTool {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  let calls = 0;
  return {
    tool: tool({
      name: 'wait_here',
      description: 'Waits',
      inputSchema: z.object({}),
      execute: async () => {
        calls += 1;
        await gate;
        return { waited: true };
      },
    }),
    get calls() {
      return calls;
    },
    open: () => open(),
  };
}
