/** The text blocks of an MCP tool result, joined ('' for none). */
export function mcpResultText(result: unknown): string {
  const content: unknown =
    typeof result === 'object' && result !== null ? Reflect.get(result, 'content') : undefined;
  if (!Array.isArray(content)) return '';
  return content
    .map((block: unknown) =>
      typeof block === 'object' && block !== null && Reflect.get(block, 'type') === 'text'
        ? String(Reflect.get(block, 'text') ?? '')
        : '',
    )
    .join('');
}
