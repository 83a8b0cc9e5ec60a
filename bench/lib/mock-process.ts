/**
 * Child process: the mock model server of the benchmarks. Answers every Anthropic request with
 * the turn its `bench:` directive asks for (see bench-directive.ts) and records when clients
 * abort, by chat id, for the abort-storm scenario.
 *
 * IPC commands: `abortTimes` (the recorded `{ id: epochMs }`, then cleared), `stats`.
 */
import { createMockUpstream } from '../../src/testing/mock-upstream/mock-upstream.js';
import { benchTurn, parseDirective } from './bench-directive.js';
import { serveIpcCommands } from './child-process-handle.js';
import { collectProcessStats } from './process-stats.js';
import { epochNow } from './stats.js';

let abortTimes: Record<string, number> = {};
const upstream = await createMockUpstream({
  respond: benchTurn,
  recordRequests: false,
  onClientAbort: (request) => {
    const seen = epochNow();
    const parsed = parseDirective(JSON.stringify(request.body));
    if (parsed !== undefined) abortTimes[parsed.id] = seen;
  },
});

serveIpcCommands(
  {
    abortTimes: () => {
      const times = abortTimes;
      abortTimes = {};
      return times;
    },
    stats: () => collectProcessStats(),
  },
  () => upstream.close(),
);
process.send?.({ ready: true, url: upstream.url });
