import { describe, expect, it } from 'vitest';
import type { BackendProbeResult, ExecutionBackend } from './backends/execution-backend.js';
import { createBackendSelector } from './backend-selector.js';
import type { CodeExecutionBackendName } from './code-execution-config.js';

/** A backend double that is (un)available and never runs anything. */
const stubBackend = (name: CodeExecutionBackendName, available: boolean): ExecutionBackend => ({
  name,
  sandboxed: name !== 'subprocess',
  probe: (): Promise<BackendProbeResult> =>
    Promise.resolve(available ? { available } : { available, reason: `${name} is off` }),
  run: () => Promise.reject(new Error('not used')),
});

const selectorWith = async (available: Partial<Record<CodeExecutionBackendName, boolean>>) => {
  const backends = (Object.keys(available) as CodeExecutionBackendName[]).map((name) =>
    stubBackend(name, available[name] === true),
  );
  const selector = createBackendSelector(backends);
  const probe = await selector.probe();
  return {
    selector,
    probe,
    resolve: (host: 'auto' | CodeExecutionBackendName) => selector.resolve(host)?.name ?? null,
  };
};

describe('createBackendSelector', () => {
  it('resolves auto to docker, then bwrap, then subprocess', async () => {
    expect((await selectorWith({ docker: true, bwrap: true, subprocess: true })).resolve('auto')).toBe(
      'docker',
    );
    expect((await selectorWith({ docker: false, bwrap: true, subprocess: true })).resolve('auto')).toBe(
      'bwrap',
    );
    expect((await selectorWith({ docker: false, bwrap: false, subprocess: true })).resolve('auto')).toBe(
      'subprocess',
    );
    expect(
      (await selectorWith({ docker: false, bwrap: false, subprocess: false })).resolve('auto'),
    ).toBeNull();
  });

  it('runs subprocess inside bwrap when bwrap works, and unsandboxed only otherwise', async () => {
    expect((await selectorWith({ bwrap: true, subprocess: true })).resolve('subprocess')).toBe('bwrap');
    expect((await selectorWith({ bwrap: false, subprocess: true })).resolve('subprocess')).toBe('subprocess');
    expect((await selectorWith({ subprocess: true })).resolve('subprocess')).toBe('subprocess');
  });

  it('never falls back from an explicit sandbox to something less isolated', async () => {
    const { resolve } = await selectorWith({ docker: false, bwrap: false, subprocess: true });
    expect(resolve('docker')).toBeNull();
    expect(resolve('bwrap')).toBeNull();
  });

  it('lists the registered hosts after auto and reports every probe', async () => {
    const { selector, probe } = await selectorWith({ docker: false, subprocess: true });
    expect(selector.hosts).toEqual(['auto', 'docker', 'subprocess']);
    expect(probe).toEqual({
      backends: {
        docker: { available: false, reason: 'docker is off' },
        bwrap: { available: false, reason: 'not registered' },
        subprocess: { available: true },
      },
      auto: 'subprocess',
    });
  });

  it('probes each backend once', async () => {
    let probes = 0;
    const backend: ExecutionBackend = {
      ...stubBackend('subprocess', true),
      probe: () => {
        probes += 1;
        return Promise.resolve({ available: true });
      },
    };
    const selector = createBackendSelector([backend]);
    await Promise.all([selector.probe(), selector.probe()]);
    await selector.probe();
    expect(probes).toBe(1);
  });
});
