/**
 * What a chat's CPU goes to, by the gateway's parts, from a CPU profile of a warm gateway
 * (bench/profile-warm-serve.ts --mode cpu): each sample counts for the part of the first frame,
 * from the sampled function outwards, that belongs to one (so a socket write counts for whoever
 * wrote: the model call, or the stream to the client); garbage collection counts apart. Prints
 * µs per chat and the share of each part, for docs/PERFORMANCE.md ("Half the floor").
 *
 *   node --import tsx bench/profile-warm-serve.ts --mode cpu --out /tmp/serve.cpuprofile
 *   npx tsx bench/chat-cpu-breakdown.ts /tmp/serve.cpuprofile <chats it printed>
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The parts, and the script URLs (a file or folder of src/, a package, a Node module) each owns. */
const PARTS: ReadonlyArray<readonly [part: string, pattern: RegExp]> = [
  [
    'request log and metrics',
    /src\/(agent\/json-line-logger|agent\/buffered-line-writer|server\/http\/access-log|server\/metrics|server\/chat\/log-run-end)/,
  ],
  [
    'event log and resume',
    /src\/(agent\/event-log|agent\/log-follower|server\/chat\/chat-run-event-log|server\/routes\/run-streams)/,
  ],
  ['stream to the client (SSE)', /src\/server\/sse\//],
  [
    'sessions and auth',
    /src\/server\/(sessions|auth)\/|node_modules\/jose\/|src\/server\/http\/session-middleware/,
  ],
  [
    'body reading and validation',
    /src\/server\/(contracts\/|http\/(read-json-body|parse-body|find-too-deep))|node_modules\/zod\//,
  ],
  [
    'run records (database)',
    /src\/(server\/threads|stores\/sql|server\/database|database)\/|node_modules\/pg/,
  ],
  [
    'model call (request, response stream)',
    /src\/providers\/|node_modules\/undici\/|node:_http_client|node:_http_agent/,
  ],
  ['agent loop', /src\/(agent|tools|core)\//],
  [
    'run setup, limits and release',
    /src\/(server\/chat|server\/assembly|server\/rate-limit|stores\/memory)\//,
  ],
  [
    'HTTP server, framework and middleware',
    /src\/server\/|node_modules\/(hono|@hono)\/|node:_http_server|node:_http_incoming/,
  ],
];

/** A built copy of the package (`dist/`, not under node_modules) counts as its sources. */
const PACKAGE_BUILD = /^file:\/\/(?!.*node_modules).*\/dist\//;

const [file, chatsArgument] = process.argv.slice(2);
const chats = Number(chatsArgument);
if (file === undefined || !(chats > 0)) {
  console.error('usage: npx tsx bench/chat-cpu-breakdown.ts <file.cpuprofile> <chats>');
  process.exit(1);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const partOfNode = new Map<number, string>();
/** The part a sampled node counts for: its own, else its caller's, outwards. */
function partOf(id: number): string {
  const known = partOfNode.get(id);
  if (known !== undefined) return known;
  const node = byId.get(id);
  let part: string;
  if (node === undefined) part = 'Node and V8 runtime';
  else if (node.callFrame.functionName === '(garbage collector)') part = 'garbage collection';
  else {
    const url = node.callFrame.url.replace(PACKAGE_BUILD, '/src/');
    const own = PARTS.find(([, pattern]) => pattern.test(url))?.[0];
    const parent = parentOf.get(id);
    part = own ?? (parent === undefined ? 'Node and V8 runtime' : partOf(parent));
  }
  partOfNode.set(id, part);
  return part;
}

const byPart = new Map<string, number>();
let busy = 0;
profile.samples.forEach((id, index) => {
  if (byId.get(id)?.callFrame.functionName === '(idle)') return;
  const us = profile.timeDeltas[index] ?? 0;
  busy += us;
  const part = partOf(id);
  byPart.set(part, (byPart.get(part) ?? 0) + us);
});

console.log(`| part | µs per chat | share |`);
console.log(`| --- | --- | --- |`);
for (const [part, us] of [...byPart].sort((a, b) => b[1] - a[1]))
  console.log(`| ${part} | ${(us / chats).toFixed(0)} | ${((us / busy) * 100).toFixed(1)}% |`);
console.log(`| all (main thread, profiled) | ${(busy / chats).toFixed(0)} | 100% |`);
