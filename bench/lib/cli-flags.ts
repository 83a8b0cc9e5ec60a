import { resolve } from 'node:path';

/** The value of `--name value` or `--name=value` on the command line, if the flag is there. */
export function flagValue(name: string): string | undefined {
  const flag = `--${name}`;
  for (let index = 2; index < process.argv.length; index += 1) {
    const argument = process.argv[index] ?? '';
    if (argument === flag) return process.argv[index + 1];
    if (argument.startsWith(`${flag}=`)) return argument.slice(flag.length + 1);
  }
  return undefined;
}

/**
 * The command line's arguments that are neither flags (`--name`, `--name=value`) nor the value
 * after a flag named in `valueFlags` (`--runs 3`): a bench's files or names.
 */
export function positionalArguments(valueFlags: readonly string[]): string[] {
  const values = new Set(valueFlags.map((name) => `--${name}`));
  return process.argv
    .slice(2)
    .filter((argument, index, all) => !argument.startsWith('--') && !values.has(all[index - 1] ?? ''));
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
