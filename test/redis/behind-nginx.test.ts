import { describeBehindBalancer } from './helpers/balancer-scenarios.js';
import { freePort } from './helpers/redis-process.js';
import { documentedNginxConfig, nginxUnavailableReason, startNginx } from './helpers/start-nginx.js';

// The nginx configuration of docs/scaling.md. Open-source nginx has no active health checks:
// it learns that an instance is gone from a refused or broken connection and passes the request
// to the next one, and tries the instance again after `fail_timeout`.
describeBehindBalancer({
  name: 'nginx',
  unavailableReason: nginxUnavailableReason,
  async start(cleanup, servers) {
    const frontend = await freePort();
    const nginx = await startNginx(cleanup, {
      http: documentedNginxConfig({ frontend, servers }),
      frontendPort: frontend,
      readyPath: '/api/health',
    });
    return {
      url: nginx.url,
      waitUntilServing: (indexes) =>
        nginx.waitUntilServing(
          indexes.map((index) => servers[index] ?? 0),
          '/api/health/ready',
        ),
    };
  },
});
