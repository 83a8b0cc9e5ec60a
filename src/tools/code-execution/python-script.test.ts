import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findExecutable } from './backends/find-executable.js';
import { buildPythonPreamble, buildPythonScript } from './python-script.js';

/** The `searchPath` default of the code-execution config: system directories only. */
const SYSTEM_SEARCH_PATH = '/usr/local/bin:/usr/bin:/bin';

const execFileAsync = promisify(execFile);

/**
 * A stand-in for matplotlib, placed next to the script (the script's directory is first on
 * sys.path): enough of `matplotlib.use` and `pyplot` for the preamble's patch, writing a file
 * per saved figure so the test can see what `show()` did.
 */
const FAKE_MATPLOTLIB = {
  '__init__.py': 'backend = None\ndef use(name):\n    global backend\n    backend = name\n',
  'pyplot.py': [
    'import matplotlib',
    'figures = {}',
    'class Figure:',
    '    def __init__(self, number): self.number = number',
    '    def savefig(self, path, dpi=None):',
    '        open(path, "w").write(f"figure {self.number} dpi {dpi} backend {matplotlib.backend}")',
    'def figure(number=None):',
    '    number = number or len(figures) + 1',
    '    figures.setdefault(number, Figure(number))',
    '    return figures[number]',
    'def get_fignums(): return sorted(figures)',
    'def close(which): figures.clear()',
    'def show(): raise RuntimeError("the original show must be replaced")',
  ].join('\n'),
};

describe('the Python script', () => {
  let dir = '';
  let python = '';

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'python-script-'));
    const found = await findExecutable('python3', SYSTEM_SEARCH_PATH);
    if (found === null) throw new Error('python3 is required for these tests');
    python = found;
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const runScript = async (
    code: string,
    preambleSuffix?: string,
  ): Promise<{ stdout: string; stderr: string; code: number }> => {
    await writeFile(
      join(dir, 'script.py'),
      buildPythonScript({ code, ...(preambleSuffix === undefined ? {} : { preambleSuffix }) }),
    );
    try {
      const { stdout, stderr } = await execFileAsync(python, ['-u', join(dir, 'script.py')], {
        cwd: dir,
        env: { PATH: SYSTEM_SEARCH_PATH },
      });
      return { stdout, stderr, code: 0 };
    } catch (error) {
      const failed = error as { stdout: string; stderr: string; code: number };
      return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
    }
  };

  it('has a preamble that saves shown figures as _plot_<n>.png at 150 dpi, only if matplotlib imports', () => {
    const preamble = buildPythonPreamble();
    expect(preamble).toContain('environ.setdefault("MPLBACKEND", "Agg")');
    expect(preamble).toContain('find_spec("matplotlib") is None');
    expect(preamble).toContain('matplotlib.use("Agg")');
    expect(preamble).toContain('"_plot_%d.png"');
    expect(preamble).toContain('savefig(path, dpi=150)');
    expect(preamble).toContain('pyplot.show = show');
  });

  it('is a no-op without matplotlib and leaves the namespace clean', async () => {
    const result = await runScript('print(sorted(name for name in globals() if not name.startswith("__")))');
    expect(result).toEqual({ stdout: '[]\n', stderr: '', code: 0 });
  });

  it('saves every open figure when the code calls plt.show()', async () => {
    await mkdir(join(dir, 'matplotlib'));
    for (const [name, source] of Object.entries(FAKE_MATPLOTLIB))
      await writeFile(join(dir, 'matplotlib', name), source);
    const result = await runScript(
      'import matplotlib.pyplot as plt\nplt.figure(1)\nplt.figure(2)\nplt.show()\nplt.figure(3)\nplt.show()\nprint(plt.get_fignums())',
    );
    expect(result).toMatchObject({ stdout: '[]\n', code: 0 });
    const plots = (await readdir(dir)).filter((name) => name.startsWith('_plot_')).sort();
    expect(plots).toEqual(['_plot_1.png', '_plot_2.png', '_plot_3.png']);
    expect(await readFile(join(dir, '_plot_1.png'), 'utf8')).toBe('figure 1 dpi 150 backend Agg');
  });

  it('runs the preamble suffix in the same namespace as the code', async () => {
    expect((await runScript('print(math.pi > 3)', 'import math')).stdout).toBe('True\n');
  });

  it('reports errors at the line of the user code and keeps __future__ imports working', async () => {
    const result = await runScript(
      'from __future__ import annotations\n\ndef broken() -> Missing:\n    return 1 / 0\nbroken()\n',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('File "<code>", line 4, in broken');
    expect(result.stderr).toContain('return 1 / 0');
    expect(result.stderr).not.toContain('script.py');
  });

  it('keeps functions picklable, as in a plain script', async () => {
    const result = await runScript(
      'import pickle\ndef double(x):\n    return 2 * x\nprint(pickle.loads(pickle.dumps(double))(21))',
    );
    expect(result.stdout).toBe('42\n');
  });
});
