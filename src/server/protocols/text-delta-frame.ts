/**
 * The SSE frame of a frontend protocol's text delta, `data: {"type":…,"<idKey>":…,"delta":…}`,
 * built from a prefix serialised once per block: per delta, only the text is serialised. The
 * bytes are those of `data: ${JSON.stringify({ type, [idKey]: id, delta })}\n\n` (same keys,
 * same order), so a client sees no difference. One per stream: it keeps the last block's prefix.
 */
export function createTextDeltaFrame(type: string, idKey: string): (id: string, text: string) => string {
  const head = `data: {"type":${JSON.stringify(type)},${JSON.stringify(idKey)}:`;
  let prefixId: string | undefined;
  let prefix = '';
  return (id, text) => {
    if (id !== prefixId) {
      prefixId = id;
      prefix = `${head}${JSON.stringify(id)},"delta":`;
    }
    return `${prefix}${JSON.stringify(text)}}\n\n`;
  };
}
