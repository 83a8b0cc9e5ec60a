const maxCauseDepth = 5;

const describe = (error: unknown): string => {
  if (error instanceof Error) return error.message === '' ? error.name : error.message;
  return String(error);
};

const describeCause = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${describe(error)}` : describe(error);

/**
 * Formats an error with its `cause` chain as "message | caused by Name: message | …".
 *
 * The chain is what makes a provider failure actionable on the wire ("fetch failed" alone
 * says nothing; its ECONNREFUSED cause does). Depth is bounded so a cyclic chain terminates.
 */
export function formatErrorChain(error: unknown): string {
  const parts = [describe(error)];
  let cause = error instanceof Error ? error.cause : undefined;
  for (let depth = 0; cause !== undefined && cause !== null && depth < maxCauseDepth; depth += 1) {
    parts.push(`caused by ${describeCause(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join(' | ');
}
