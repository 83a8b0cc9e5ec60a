/**
 * The two halves of the suite. `npm test` runs everything but the end-to-end files below and is
 * meant to finish within 10 minutes on a 2-core machine; `npm run test:e2e` runs these: the
 * gateway as a user runs it, in child processes, browsers, several instances on Redis, behind
 * real load balancers and a real container engine. CI runs both.
 */
export const endToEndTests: readonly string[] = [
  // Several instances and processes on Redis (servers, clusters, sentinels, load balancers).
  'test/redis/**/*.test.ts',
  // Real chromium.
  '**/*.browser.test.ts',
  '**/*.page.test.ts',
  // The examples and templates, and the CLI in child processes, as a user runs them.
  'examples/**/*.test.ts',
  'test/templates.test.ts',
  'test/cli-run-thread.test.ts',
  'src/cli/serve-command.test.ts',
  'src/cli/run-command.test.ts',
  'test/shutdown-suspends-waiting-runs.test.ts',
  'test/serve-process-tree.test.ts',
  'test/serve-watch-data-folder.test.ts',
  'test/observability/serve-tracing.test.ts',
  'test/serve-reexecution.test.ts',
  // A real Docker engine.
  'src/tools/code-execution/docker-real-engine.test.ts',
  'test/deploy-docker-image.test.ts',
  // The stack `agent-gateway deploy compose` writes, up with docker-compose on that engine.
  'test/deploy-compose-stack.test.ts',
  // The backup runbook: serve on PostgreSQL, pg_dump, pg_restore, serve on the restored copy.
  'test/deploy-backup-runbook.test.ts',
  // A once-a-second schedule on three gateway processes, SIGKILLed and restarted.
  'test/schedule-fires-soak.test.ts',
  // Many rounds of answers racing a suspension, on every engine.
  'test/answer-races.test.ts',
  // Deployment: probes through real PostgreSQL and Redis outages; serve processes racing migrations.
  'test/health-probes.test.ts',
  'test/deploy-migrations.test.ts',
  'test/serve-sigterm-drain.test.ts',
];

/**
 * The end-to-end files that take longest (a clean run on the 2-core machine: seconds), started
 * first in this order, so that none of them is left to run alone at the end.
 */
export const slowEndToEndTests: readonly string[] = [
  'test/deploy-docker-image.test.ts', // builds an image: npm install inside it
  'test/deploy-compose-stack.test.ts', // the same image (built once), then six containers
  'src/cli/serve-command.test.ts', // 116 s
  'test/redis/approval-at-suspension-rounds.test.ts', // 102 s
  'test/templates.test.ts', // 86 s
  'test/redis/kept-answers-takeover.test.ts', // 67 s
  'test/schedule-fires-soak.test.ts', // 64 s
  'test/playground/playground.browser.test.ts', // 49 s
  'test/answer-races.test.ts', // 41 s
  'test/redis/behind-haproxy.test.ts', // 38 s
  'test/redis/behind-nginx.test.ts', // 37 s
  'test/cli-run-thread.test.ts', // 24 s
];

/**
 * `npm test` runs most files in one module graph per worker (Vitest's `isolate: false`): a file
 * that changes the process for the files after it runs in a process of its own instead. These
 * register tsx's loader hooks for the whole process (`agent-gateway serve agent.ts` does, on
 * purpose), after which a dependency shipping its TypeScript sources beside its JavaScript
 * (`fast-json-patch`) would load from the sources. test/setup/leaves-process-as-found.ts fails a
 * shared file that does so, naming this list.
 */
export const isolatedTests: readonly string[] = [
  'src/cli/load-agent-module.test.ts',
  'src/testing/load-agent-for-test.test.ts',
  'test/options-checked.test.ts',
  // They assert that no timer created under src/ is left: in a shared worker, a timer of another
  // file's gateway still winding down (a start waiting for its session) counted against them.
  'test/approvals.test.ts',
  'test/chat-flow.test.ts',
  'test/client-disconnect.test.ts',
  'test/client-tools.test.ts',
  'test/close.test.ts',
  // It counts the fake timers left after a close: another file's timer, made in the same worker
  // while its fake timers were on, counted against it (CI: 3 where 0 was expected).
  'src/server/background/poller.test.ts',
];

/** Every test file of the repository (the chaos suite has a configuration of its own). */
export const allTests: readonly string[] = [
  'src/**/*.test.ts',
  'test/**/*.test.ts',
  'examples/**/*.test.ts',
  'scripts/**/*.test.ts',
];
