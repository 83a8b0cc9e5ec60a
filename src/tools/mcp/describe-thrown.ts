/** A thrown value as a line of a log message: an error's message, else the value as text. */
export function describeThrown(thrown: unknown): string {
  return thrown instanceof Error ? thrown.message : String(thrown);
}
