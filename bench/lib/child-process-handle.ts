import { fork, type ChildProcess } from 'node:child_process';
import { stopOnSignal } from './stop-children-on-signal.js';

/** A request sent to a benchmark child process over IPC. */
export interface IpcRequest {
  id: number;
  command: string;
}

/** A reply of a benchmark child process. */
export interface IpcReply {
  id: number;
  result?: unknown;
  error?: string;
}

/** The first message a child sends once it is serving. */
export interface ReadyMessage {
  ready: true;
  url: string;
}

/** Options of `startChildProcess`. */
export interface StartChildProcessOptions {
  /** The entry file: compiled JavaScript, or TypeScript (then run through tsx). */
  entry: string;
  /** The `node` binary to run it with (default: this process's). */
  execPath?: string;
  /** Extra Node flags, e.g. `--expose-gc`, `--cpu-prof`. */
  nodeFlags?: string[];
  env?: Record<string, string>;
  /** How long to wait for the ready message (default 30 s). */
  startTimeoutMs?: number;
}

/** A running child process that answers commands. */
export interface ChildProcessHandle {
  /** The URL the child announced when it became ready. */
  readonly url: string;
  readonly pid: number | undefined;
  /** Sends a command and resolves with the child's result. */
  request<Result>(command: string): Promise<Result>;
  /** Asks the child to shut down (it exits on its own); kills it after 10 s; idempotent. */
  close(): Promise<void>;
}

const isReady = (message: unknown): message is ReadyMessage =>
  typeof message === 'object' && message !== null && 'ready' in message && 'url' in message;
const isReply = (message: unknown): message is IpcReply =>
  typeof message === 'object' && message !== null && 'id' in message && typeof message.id === 'number';

/**
 * Forks an entry (TypeScript ones under tsx) with an IPC channel and waits until it reports its URL.
 * Separate processes keep the system under test, the mock upstream and the load client from
 * sharing one event loop, as they would not in production.
 */
export async function startChildProcess(options: StartChildProcessOptions): Promise<ChildProcessHandle> {
  const child: ChildProcess = stopOnSignal(
    fork(options.entry, [], {
      execArgv: [...(options.entry.endsWith('.ts') ? ['--import', 'tsx'] : []), ...(options.nodeFlags ?? [])],
      env: { ...process.env, ...options.env },
      ...(options.execPath === undefined ? {} : { execPath: options.execPath }),
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.on('message', (message: unknown) => {
    if (!isReply(message)) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  void exited.then(() => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${options.entry} exited`));
    pending.clear();
  });

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${options.entry} did not start`)),
      options.startTimeoutMs ?? 30_000,
    );
    const onMessage = (message: unknown): void => {
      if (!isReady(message)) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.url);
    };
    child.on('message', onMessage);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${options.entry} exited before it was ready`));
    });
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    pid: child.pid,
    request<Result>(command: string): Promise<Result> {
      const id = nextId++;
      return new Promise<Result>((resolve, reject) => {
        pending.set(id, { resolve: (value) => resolve(value as Result), reject });
        child.send({ id, command } satisfies IpcRequest);
      });
    },
    close() {
      closing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const id = nextId++;
        child.send({ id, command: 'close' } satisfies IpcRequest);
        const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(kill);
      })();
      return closing;
    },
  };
}

/**
 * Serves IPC commands in a child process: each request runs its handler and the result (or the
 * error message) goes back with the request's id. `close` runs `onClose` and exits.
 */
export function serveIpcCommands(
  handlers: Record<string, () => unknown>,
  onClose: () => Promise<void>,
): void {
  process.on('message', (message: unknown) => {
    if (!isReply(message) || !('command' in message) || typeof message.command !== 'string') return;
    const { id, command } = message;
    if (command === 'close') {
      onClose().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
      return;
    }
    const handler = handlers[command];
    void Promise.resolve()
      .then(() => {
        if (handler === undefined) throw new Error(`unknown command ${command}`);
        return handler();
      })
      .then(
        (result: unknown) => process.send?.({ id, result } satisfies IpcReply),
        (error: unknown) => process.send?.({ id, error: String(error) } satisfies IpcReply),
      );
  });
}
