import { waitFor } from '../helpers/wait-for.js';
import { describeBehindBalancer } from './helpers/balancer-scenarios.js';
import { freePort } from './helpers/redis-process.js';
import { documentedHaproxyConfig, haproxyUnavailableReason, startHaproxy } from './helpers/start-haproxy.js';

/** The documented configuration's servers, in order. */
const SERVER_NAMES = ['gw1', 'gw2', 'gw3'];

// The HAProxy configuration of docs/scaling.md: its active readiness checks take a killed or
// stopping instance out and put a restarted one back (`UP` on its stats page).
describeBehindBalancer({
  name: 'HAProxy',
  unavailableReason: haproxyUnavailableReason,
  resumeWithinMs: 3_000,
  async start(cleanup, servers) {
    const [frontend, stats] = [await freePort(), await freePort()];
    const haproxy = await startHaproxy(cleanup, {
      config: documentedHaproxyConfig({ frontend, stats, servers }),
      frontendPort: frontend,
      statsPort: stats,
    });
    const waitUntilServing = async (indexes: readonly number[]): Promise<void> => {
      const names = indexes.map((index) => SERVER_NAMES[index] ?? '');
      await waitFor(
        async () => {
          const states = await haproxy.serverStates('gateways');
          return names.every((name) => states.get(name) === 'UP') ? true : undefined;
        },
        {
          // A bound for a hang (as nginx's): a restarted instance under load answers slowly.
          timeoutMs: 30_000,
          intervalMs: 100,
          description: () => `HAProxy to see ${names.join(', ')} UP:\n${haproxy.stderr()}`,
        },
      );
    };
    return { url: haproxy.url, waitUntilServing };
  },
});
