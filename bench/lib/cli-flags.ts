import { resolve } from 'node:path';

/** The value after `--name` on the command line, if the flag is there. */
export function flagValue(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

/** `--name N` as a number, or `fallback` when the flag is absent. */
export function numberFlag(name: string, fallback: number): number {
  const value = flagValue(name);
  return value === undefined ? fallback : Number(value);
}

/**
 * The `label=dir` arguments of a bench that compares builds, in order, each dir made absolute;
 * the values of the flags named in `valueFlags` (`--node-flags a=--x`) are not builds.
 */
export function buildArguments(valueFlags: readonly string[] = []): Array<{ label: string; dir: string }> {
  return process.argv
    .slice(2)
    .filter((argument, index, all) => /^[\w-]+=/.test(argument) && !valueFlags.includes(all[index - 1] ?? ''))
    .map((argument) => {
      const [label = '', dir = ''] = argument.split(/=(.*)/s);
      return { label, dir: resolve(dir) };
    });
}
