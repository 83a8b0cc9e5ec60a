/** `context.channel` of a chat request, lower-cased and trimmed, when it is a string. */
export const channelOf = (context: Record<string, unknown>): string | undefined => {
  const channel = context['channel'];
  return typeof channel === 'string' ? channel.trim().toLowerCase() : undefined;
};
