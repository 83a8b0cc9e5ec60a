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
