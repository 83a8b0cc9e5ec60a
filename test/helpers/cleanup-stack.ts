/** Closes what a test opened, last opened first, even when the test failed half-way. */
export interface CleanupStack {
  /** Registers a closer; returns the value it was given, for one-line registration. */
  add<Value>(value: Value, close: (value: Value) => unknown): Value;
  /** Runs every closer (in reverse order) and empties the stack; rethrows the first failure. */
  run(): Promise<void>;
}

/**
 * Creates a cleanup stack. Call `run()` from `afterEach`, so a failing assertion never leaves a
 * server, upstream or stream open for the next test.
 */
export function createCleanupStack(): CleanupStack {
  const closers: Array<() => unknown> = [];
  return {
    add(value, close) {
      closers.push(() => close(value));
      return value;
    },
    async run() {
      const pending = closers.splice(0).reverse();
      let failed = false;
      let firstFailure: unknown;
      for (const close of pending) {
        try {
          await close();
        } catch (error) {
          if (!failed) firstFailure = error;
          failed = true;
        }
      }
      if (failed) throw firstFailure instanceof Error ? firstFailure : new Error(String(firstFailure));
    },
  };
}
