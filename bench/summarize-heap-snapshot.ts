/**
 * Compares two V8 heap snapshots (e.g. from the gateway's `heapSnapshot` IPC command, before
 * and during a load): retained self size and count per constructor, biggest growth first. With
 * one snapshot, prints its largest constructors.
 *
 *   npx tsx bench/summarize-heap-snapshot.ts <before.heapsnapshot> [<after.heapsnapshot>] [top=30] [divisor=1]
 *
 * `divisor` (e.g. the number of open streams) turns the growth into a per-item figure.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

type Totals = Map<string, { size: number; count: number }>;

function totalsOf(path: string): Totals {
  const data = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = data.snapshot.meta.node_fields;
  const width = fields.length;
  const typeIndex = fields.indexOf('type');
  const nameIndex = fields.indexOf('name');
  const sizeIndex = fields.indexOf('self_size');
  const types = data.snapshot.meta.node_types[0];
  const totals: Totals = new Map();
  for (let offset = 0; offset < data.nodes.length; offset += width) {
    const type = types[data.nodes[offset + typeIndex] ?? 0] ?? 'unknown';
    const rawName = data.strings[data.nodes[offset + nameIndex] ?? 0] ?? '';
    // Group strings, code and arrays by kind; objects by constructor name.
    const name = type === 'object' || type === 'closure' ? `${rawName} (${type})` : `(${type})`;
    const entry = totals.get(name) ?? { size: 0, count: 0 };
    entry.size += data.nodes[offset + sizeIndex] ?? 0;
    entry.count += 1;
    totals.set(name, entry);
  }
  return totals;
}

const [first, second, topArgument, divisorArgument] = process.argv.slice(2);
if (first === undefined) {
  console.error('usage: npx tsx bench/summarize-heap-snapshot.ts <before> [<after>] [top=30] [divisor=1]');
  process.exit(1);
}
const top = Number(topArgument ?? 30);
const divisor = Number(divisorArgument ?? 1);
const before = totalsOf(first);
const after: Totals = second === undefined ? (new Map() as Totals) : totalsOf(second);
const rows = [...(second === undefined ? before : after)].map(([name, entry]) => {
  const base = second === undefined ? { size: 0, count: 0 } : (before.get(name) ?? { size: 0, count: 0 });
  return { name, size: entry.size - base.size, count: entry.count - base.count };
});
rows.sort((left, right) => right.size - left.size);
const total = rows.reduce((sum, row) => sum + row.size, 0);
console.log(
  `${second === undefined ? 'total' : 'growth'}: ${(total / 1024).toFixed(0)} KiB (${(total / divisor / 1024).toFixed(2)} KiB per item)`,
);
for (const row of rows.slice(0, top)) {
  console.log(
    `${(row.size / divisor / 1024).toFixed(2).padStart(9)} KiB/item ${String(Math.round(row.count / divisor)).padStart(6)}/item  ${row.name}`,
  );
}
