/**
 * Which ways of holding a request's objects make V8 promote them: 32 async "clients" each hold
 * about 30 KB of small objects for 20 ms (a chat) and make 40 KB of garbage meanwhile, holding
 * them one way or another; a child `node --trace-gc --trace-gc-nvp` per pattern, 5 s each, and
 * the KB per chat that survived a scavenge and that were promoted, summed from V8's trace.
 * docs/PERFORMANCE.md ("Half the floor, fifth pass") explains the patterns that promote.
 *
 *   node --import tsx bench/young-gc-patterns.ts [--seconds 5] [pattern …]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { flagValue, numberFlag } from './lib/cli-flags.js';

/** A pattern: how a chat holds `held` while it lasts, and lets it go (`release`). */
type Hold = (held: object[]) => () => void;

class Cell {
  constructor(public value: object[] | undefined) {}
}

const longMap = new Map<unknown, unknown>();
const longSet = new Set<unknown>();
const longSignal = new AbortController().signal;
const slots: Array<object[] | undefined> = [];
const freeSlots: number[] = [];
let sequence = 0;

const PATTERNS: Record<string, { node?: string[]; hold: Hold }> = {
  nothing: { hold: () => () => undefined },
  'map-delete': {
    hold: (held) => {
      const key = (sequence += 1);
      longMap.set(key, held);
      return () => longMap.delete(key);
    },
  },
  'set-delete': {
    hold: (held) => {
      longSet.add(held);
      return () => longSet.delete(held);
    },
  },
  'map-class-cell': {
    hold: (held) => {
      const key = (sequence += 1);
      const cell = new Cell(held);
      longMap.set(key, cell);
      return () => {
        cell.value = undefined;
        longMap.delete(key);
      };
    },
  },
  'map-literal-cell': {
    hold: (held) => {
      const key = (sequence += 1);
      const cell: { value: object[] | undefined } = { value: held };
      longMap.set(key, cell);
      return () => {
        cell.value = undefined;
        longMap.delete(key);
      };
    },
  },
  'map-literal-cell-no-pretenuring': {
    node: ['--no-allocation-site-pretenuring'],
    hold: (held) => PATTERNS['map-literal-cell']!.hold(held),
  },
  'map-delete-no-pretenuring': {
    node: ['--no-allocation-site-pretenuring'],
    hold: (held) => PATTERNS['map-delete']!.hold(held),
  },
  'array-free-list': {
    hold: (held) => {
      const slot = freeSlots.pop() ?? slots.length;
      slots[slot] = held;
      return () => {
        slots[slot] = undefined;
        freeSlots.push(slot);
      };
    },
  },
  'map-value-undefined': {
    hold: (held) => {
      const key = (sequence += 1) % 32;
      longMap.set(key, held);
      return () => longMap.set(key, undefined);
    },
  },
  'long-lived-signal-listener': {
    hold: (held) => {
      const listener = (): number => held.length;
      longSignal.addEventListener('abort', listener);
      return () => longSignal.removeEventListener('abort', listener);
    },
  },
  'weak-ref-in-set': {
    hold: (held) => {
      const reference = new WeakRef(held);
      longSet.add(reference);
      return () => longSet.delete(reference);
    },
  },
  'abort-signal-any': {
    hold: (held) => {
      const signal = AbortSignal.any([longSignal, new AbortController().signal]);
      const listener = (): number => held.length;
      signal.addEventListener('abort', listener);
      return () => signal.removeEventListener('abort', listener);
    },
  },
  'timers-cleared': {
    hold: (held) => {
      const timeout = setTimeout(() => held.length, 30_000);
      const interval = setInterval(() => held.length, 15_000);
      return () => {
        clearTimeout(timeout);
        clearInterval(interval);
      };
    },
  },
};

/** About `kb` KB of small objects. */
const objects = (kb: number): object[] =>
  Array.from({ length: (kb * 1024) / 64 }, (_, index) => ({
    index,
    text: `x${index}`,
    pair: [index, index + 1],
  }));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const child = flagValue('child');
if (child !== undefined) {
  const pattern = PATTERNS[child];
  if (pattern === undefined) throw new Error(`unknown pattern ${child}`);
  let chats = 0;
  const client = async (): Promise<never> => {
    for (;;) {
      const held = objects(15);
      const release = pattern.hold(held);
      await sleep(10);
      objects(40);
      held.push(...objects(15));
      await sleep(10);
      release();
      chats += 1;
    }
  };
  for (let index = 0; index < 32; index += 1) void client();
  setTimeout(
    () => {
      console.log(`chats ${chats}`);
      process.exit(0);
    },
    numberFlag('seconds', 5) * 1_000,
  );
} else {
  const chosen = process.argv.slice(2).filter((argument) => argument in PATTERNS);
  const rows = [];
  for (const name of chosen.length > 0 ? chosen : Object.keys(PATTERNS)) {
    const run = spawnSync(
      process.execPath,
      [
        ...(PATTERNS[name]?.node ?? []),
        '--trace-gc',
        '--trace-gc-nvp',
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--child',
        name,
        '--seconds',
        String(numberFlag('seconds', 5)),
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const lines = run.stdout.split('\n');
    const chats = Number(/^chats (\d+)/m.exec(run.stdout)?.[1] ?? Number.NaN);
    const scavenges = lines.filter((line) => / gc=s /.test(line));
    const kbPerChat = (field: string): number =>
      Math.round(
        (scavenges.reduce(
          (sum, line) => sum + Number(new RegExp(` ${field}=(\\d+)`).exec(line)?.[1] ?? 0),
          0,
        ) /
          chats /
          1024) *
          100,
      ) / 100;
    rows.push({
      pattern: name,
      chats,
      survivedKbPerChat: kbPerChat('new_space_survived'),
      promotedKbPerChat: kbPerChat('promoted'),
    });
  }
  console.log(JSON.stringify({ node: process.version, rows }, null, 2));
}
