import type { BackendProbeResult, ExecutionBackend } from './backends/execution-backend.js';
import type { CodeExecutionBackendName, CodeExecutionHost } from './code-execution-config.js';

/** Availability of every backend, and what `auto` resolves to. */
export interface CodeExecutionProbe {
  backends: Record<CodeExecutionBackendName, BackendProbeResult>;
  /** The backend `host: "auto"` runs on, or null when none is available. */
  auto: CodeExecutionBackendName | null;
}

/** Picks the backend a `host` value runs on. */
export interface BackendSelector {
  /** Values the model may pass as `host`: `auto`, then the registered backends. */
  readonly hosts: readonly CodeExecutionHost[];
  /** Probes every registered backend once (memoised); later calls share the result. */
  probe(): Promise<CodeExecutionProbe>;
  /**
   * The backend `host` runs on, or null when none is available for it. Synchronous because
   * approval qualifiers are: call it after `probe()` has resolved (before, it returns null).
   */
  resolve(host: CodeExecutionHost): ExecutionBackend | null;
  /** Aborts probes still running; idempotent. */
  close(): void;
}

const ORDER: readonly CodeExecutionBackendName[] = ['docker', 'bwrap', 'subprocess'];

/**
 * Creates the selector over the registered backends (in the order docker, bwrap, subprocess).
 *
 * Resolution: `auto` takes the first available of docker, bwrap, subprocess. `subprocess`
 * runs inside bubblewrap whenever the bwrap backend is registered and works and
 * is then reported as `bwrap`; it resolves to the unsandboxed `subprocess` backend only when it
 * is not. So the resolved name always says how isolated the run really is, and the approval
 * key `code_execute:subprocess` only ever covers unsandboxed runs. An explicit `docker` or
 * `bwrap` never falls back to something less isolated.
 *
 * Probes run once per selector: restart the app after installing Docker or pulling the image.
 */
export function createBackendSelector(backends: readonly ExecutionBackend[]): BackendSelector {
  const byName: ReadonlyMap<string, ExecutionBackend> = new Map(
    backends.map((backend) => [backend.name, backend] as const),
  );
  const controller = new AbortController();
  let probed: Promise<CodeExecutionProbe> | undefined;
  let availability: Record<CodeExecutionBackendName, BackendProbeResult> | undefined;

  const isAvailable = (name: CodeExecutionBackendName): boolean => availability?.[name].available === true;
  const pick = (name: CodeExecutionBackendName): ExecutionBackend | null =>
    isAvailable(name) ? (byName.get(name) ?? null) : null;

  const resolve = (host: CodeExecutionHost): ExecutionBackend | null => {
    switch (host) {
      case 'auto':
        return pick('docker') ?? pick('bwrap') ?? pick('subprocess');
      case 'docker':
      case 'bwrap':
        return pick(host);
      case 'subprocess':
        return byName.has('subprocess') ? (pick('bwrap') ?? pick('subprocess')) : null;
    }
  };

  return {
    hosts: ['auto', ...ORDER.filter((name) => byName.has(name))],
    probe() {
      probed ??= (async () => {
        // Each backend bounds its own probe (probeTimeoutMs); closing the app aborts them.
        const { signal } = controller;
        const entries = await Promise.all(
          ORDER.map(async (name): Promise<[CodeExecutionBackendName, BackendProbeResult]> => {
            const backend = byName.get(name);
            if (backend === undefined) return [name, { available: false, reason: 'not registered' }];
            return [name, await backend.probe(signal)];
          }),
        );
        availability = Object.fromEntries(entries) as Record<CodeExecutionBackendName, BackendProbeResult>;
        return { backends: availability, auto: resolve('auto')?.name ?? null };
      })();
      return probed;
    },
    resolve,
    close() {
      controller.abort();
    },
  };
}
