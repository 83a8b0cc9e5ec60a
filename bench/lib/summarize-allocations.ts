/** A V8 sampling heap profile. */
export interface AllocationProfile {
  head: AllocationNode;
}

/** A node of a V8 sampling heap profile (`HeapProfiler.stopSampling`). */
interface AllocationNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: AllocationNode[];
}

/** Where a script's allocations count: a package, a folder of src/ (built or copied), or Node's own. */
function areaOf(url: string): string {
  const built = /\/dist\/(.*)\/[^/]+$/.exec(url);
  if (built !== null && !url.includes('/node_modules/')) return `src/${built[1]}`;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency?.[1] !== undefined) return dependency[1];
  return url === '' ? '(native)' : url.startsWith('node:') ? url : url.replace(/^file:\/\//, '');
}

/** A script's URL, short: from its package's name, or from src/ for the built package. */
const shortUrl = (url: string): string =>
  url.includes('/node_modules/') ? url.replace(/.*\/node_modules\//, '') : url.replace(/.*\/dist\//, 'src/');

/**
 * Bytes allocated per chat, by area and by function (self), from an allocation profile that
 * kept collected objects, as text.
 */
export function summarizeAllocations(profile: AllocationProfile, chats: number, top: number): string {
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  let total = 0;
  const add = (map: Map<string, number>, key: string, bytes: number): void => {
    map.set(key, (map.get(key) ?? 0) + bytes);
  };
  const stack: AllocationNode[] = [profile.head];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(byFunction, `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`, node.selfSize);
      add(byArea, areaOf(url), node.selfSize);
    }
    stack.push(...(node.children ?? []));
  }
  const perChat = (bytes: number): string => `${(bytes / chats / 1024).toFixed(2)} KB`.padStart(10);
  const ranked = (map: Map<string, number>, count: number): string[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, bytes]) => `${perChat(bytes)}  ${key}`);
  return [
    `allocated per chat: ${perChat(total).trim()}`,
    'by area:',
    ...ranked(byArea, 25),
    'by function (self):',
    ...ranked(byFunction, top),
  ].join('\n');
}
