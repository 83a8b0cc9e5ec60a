/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): where the time went by self time per
 * function, by area (a package under node_modules, a folder of src/, Node internals), and the
 * inclusive time of the repository's own functions.
 *
 *   npx tsx bench/summarize-cpu-profile.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArgument] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: npx tsx bench/summarize-cpu-profile.ts <file.cpuprofile> [top=25]');
  process.exit(1);
}
const top = Number(topArgument ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

// The bench build (`compileForBench`) lives under node_modules/.cache: strip that prefix first so
// its files count as the repository's own, by src folder, like the TypeScript sources do.
// A copy of the built package (`bench/serve-cpu-per-chat.ts`) counts as the sources too.
const BENCH_BUILD = /^.*\/node_modules\/\.cache\/[^/]+\//;
const PACKAGE_BUILD = /^file:\/\/(?!.*node_modules).*\/dist\//;
const ownUrl = (url: string): string =>
  url.replace(BENCH_BUILD, '/repository/').replace(PACKAGE_BUILD, '/repository/src/');

const areaOf = (rawUrl: string): string => {
  const url = ownUrl(rawUrl);
  if (url === '') return '(native / idle / gc)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1] !== undefined) return modules[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] ?? ''}`;
  const source = /\/(src\/[^/]+(?:\/[^/]+)?)\//.exec(url);
  if (source?.[1] !== undefined) return source[1];
  return url.replace(/^file:\/\//, '');
};
const labelOf = (frame: CallFrame): string => {
  const url = ownUrl(frame.url);
  const place =
    url === '' ? '' : ` ${url.replace(/^.*\/(node_modules|src|bench)\//, '$1/')}:${frame.lineNumber + 1}`;
  return `${frame.functionName || '(anonymous)'}${place}`;
};

const selfByFunction = new Map<string, number>();
const selfByArea = new Map<string, number>();
const inclusiveOwn = new Map<string, number>();
const inclusiveByArea = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((nodeId, index) => {
  const delta = (profile.timeDeltas[index] ?? 0) / 1000;
  const node = byId.get(nodeId);
  if (node === undefined) return;
  total += delta;
  if (node.callFrame.functionName === '(idle)') {
    idle += delta;
    return;
  }
  const label = labelOf(node.callFrame);
  selfByFunction.set(label, (selfByFunction.get(label) ?? 0) + delta);
  const area = areaOf(node.callFrame.url);
  selfByArea.set(area, (selfByArea.get(area) ?? 0) + delta);
  const areas = new Set<string>();
  for (let current: number | undefined = nodeId; current !== undefined; current = parentOf.get(current)) {
    const frame = byId.get(current)?.callFrame;
    if (frame !== undefined && frame.url !== '') areas.add(areaOf(frame.url));
  }
  for (const seenArea of areas) inclusiveByArea.set(seenArea, (inclusiveByArea.get(seenArea) ?? 0) + delta);
  const seen = new Set<string>();
  for (let current: number | undefined = nodeId; current !== undefined; current = parentOf.get(current)) {
    const frame = byId.get(current)?.callFrame;
    const url = frame === undefined ? '' : ownUrl(frame.url);
    if (frame === undefined || !/\/(src|bench)\//.test(url) || url.includes('node_modules')) continue;
    const own = labelOf(frame);
    if (seen.has(own)) continue;
    seen.add(own);
    inclusiveOwn.set(own, (inclusiveOwn.get(own) ?? 0) + delta);
  }
});

const busy = total - idle;
const print = (title: string, entries: Map<string, number>, count: number): void => {
  console.log(`\n${title}`);
  for (const [label, milliseconds] of [...entries]
    .sort((left, right) => right[1] - left[1])
    .slice(0, count)) {
    console.log(
      `${milliseconds.toFixed(0).padStart(8)} ms ${((milliseconds / busy) * 100).toFixed(1).padStart(5)}%  ${label}`,
    );
  }
};
console.log(
  `${file}: ${total.toFixed(0)} ms sampled, ${busy.toFixed(0)} ms busy (${((busy / total) * 100).toFixed(0)}%)`,
);
print('self time by area (% of busy)', selfByArea, top);
print('inclusive time by area (a sample counts for every area on its stack)', inclusiveByArea, top);
print('self time by function', selfByFunction, top);
print('inclusive time of the repository’s functions', inclusiveOwn, top);
