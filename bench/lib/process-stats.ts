import type { ListenerCensus, ListenerCount } from './listener-census.js';

/** A snapshot of one process's memory and open resources. */
export interface ProcessStats {
  rssBytes: number;
  /** CPU time used so far (user + system), in milliseconds. */
  cpuMs: number;
  /** The system (kernel) part of `cpuMs`: syscalls, context switches. */
  systemCpuMs: number;
  heapUsedBytes: number;
  externalBytes: number;
  /** `process.getActiveResourcesInfo()` grouped by type (TCPSocketWrap, Timeout, …). */
  activeResources: Record<string, number>;
  /** Sum of `activeResources`. */
  activeResourceTotal: number;
  /** Present when a listener census was installed. */
  listeners?: ListenerCount;
}

/** Collects `ProcessStats` of the current process. */
export function collectProcessStats(census?: ListenerCensus): ProcessStats {
  const memory = process.memoryUsage();
  const activeResources: Record<string, number> = {};
  let activeResourceTotal = 0;
  for (const type of process.getActiveResourcesInfo()) {
    activeResources[type] = (activeResources[type] ?? 0) + 1;
    activeResourceTotal += 1;
  }
  const cpu = process.cpuUsage();
  return {
    rssBytes: memory.rss,
    cpuMs: (cpu.user + cpu.system) / 1000,
    systemCpuMs: cpu.system / 1000,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    activeResources,
    activeResourceTotal,
    ...(census === undefined ? {} : { listeners: census.count() }),
  };
}

/**
 * Runs full garbage collections (the process needs `--expose-gc`) with a pause between them, so
 * that finalizers and weak references settle before memory is read. No-op without the flag.
 */
export async function settleGarbage(rounds = 3): Promise<void> {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect === undefined) return;
  for (let round = 0; round < rounds; round += 1) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
