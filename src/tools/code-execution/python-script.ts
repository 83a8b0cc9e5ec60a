/**
 * The Python preamble: selects the Agg backend and, only when matplotlib can be imported,
 * replaces `plt.show()` with a function that saves every open figure as `_plot_<n>.png`
 * (150 dpi) in the working directory and closes it. Without matplotlib it does nothing, so
 * plain Python pays no import cost.
 *
 * Every name it defines starts with `_code_execute_` and is deleted before the user's code
 * runs, so the user's namespace starts clean.
 */
export function buildPythonPreamble(): string {
  return `import os as _code_execute_os
_code_execute_os.environ.setdefault("MPLBACKEND", "Agg")

def _code_execute_capture_plots(work_dir):
    import importlib.util
    import os
    if importlib.util.find_spec("matplotlib") is None:
        return
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as pyplot
    except Exception:
        return
    saved = [0]

    def show(*args, **kwargs):
        for number in pyplot.get_fignums():
            saved[0] += 1
            path = os.path.join(work_dir, "_plot_%d.png" % saved[0])
            pyplot.figure(number).savefig(path, dpi=150)
        pyplot.close("all")

    pyplot.show = show

_code_execute_capture_plots(_code_execute_os.getcwd())
del _code_execute_capture_plots, _code_execute_os
`;
}

/** Python string literal of `value` (a JSON string is a valid Python literal). */
const pythonString = (value: string): string => JSON.stringify(value);

/** The pseudo file name tracebacks show for the user's code. */
export const USER_CODE_FILENAME = '<code>';

/**
 * Builds the script a backend runs: the preamble, the optional `preambleSuffix`, then the
 * user's code.
 *
 * Why the user's code is embedded as a string and run with `exec(compile(...))` in the
 * module's own namespace rather than pasted after the preamble: tracebacks then name
 * `<code>` with the user's own line numbers (the source is registered with `linecache`, so
 * the offending line is shown too), `from __future__` imports keep working, and functions
 * still live in `__main__`, so pickling them (multiprocessing) works as in a plain script.
 */
export function buildPythonScript(options: { code: string; preambleSuffix?: string }): string {
  const suffix = options.preambleSuffix ?? '';
  const parts = [buildPythonPreamble()];
  if (suffix.trim() !== '') {
    parts.push(`exec(compile(${pythonString(suffix)}, "<preamble>", "exec", dont_inherit=True))`);
  }
  parts.push(`import linecache as _code_execute_linecache
import sys as _code_execute_sys
_code_execute_source = ${pythonString(options.code)}
_code_execute_linecache.cache[${pythonString(USER_CODE_FILENAME)}] = (
    len(_code_execute_source), None, _code_execute_source.splitlines(True), ${pythonString(USER_CODE_FILENAME)}
)

def _code_execute_hide_runner(runner):
    def excepthook(kind, value, trace):
        while trace is not None and trace.tb_frame.f_code.co_filename == runner:
            trace = trace.tb_next
        import traceback
        traceback.print_exception(kind, value, trace)
    return excepthook

_code_execute_sys.excepthook = _code_execute_hide_runner(__file__)
del _code_execute_linecache, _code_execute_sys, _code_execute_hide_runner
exec(compile(globals().pop("_code_execute_source"), ${pythonString(USER_CODE_FILENAME)}, "exec", dont_inherit=True))
`);
  return parts.join('\n');
}
