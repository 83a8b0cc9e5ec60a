/**
 * An agent ready to ship as an image, with compose and Kubernetes files beside it
 * (`agent-gateway deploy docker|compose|kubernetes` writes them; `agent-gateway init deploy`
 * starts a project with all of them). Everything that differs between environments comes from
 * the environment, and the module refuses to start without its secrets.
 *
 *   JWT_SECRET=$(openssl rand -base64 48) API_KEYS=dev-key npx agent-gateway serve agent.ts
 */
import { createAgent } from 'ai-agent-gateway';

const jwtSecret = process.env.JWT_SECRET ?? '';
if (jwtSecret.length < 32) {
  // Every instance signs and verifies session tokens with it: the same value everywhere.
  throw new Error('set JWT_SECRET to a random value of 32+ characters (the same on every instance)');
}
const apiKeys = (process.env.API_KEYS ?? '')
  .split(',')
  .map((key) => key.trim())
  .filter((key) => key !== '');
if (apiKeys.length === 0) {
  // Listening on 0.0.0.0 in a container, the gateway needs the keys clients open sessions with.
  throw new Error('set API_KEYS to the comma-separated API keys your clients use');
}

// Prometheus metrics at GET /metrics when METRICS_TOKEN is set: off loopback the scraper must
// send it as a bearer token (needs the prom-client package, a dependency of this project).
const metricsToken = process.env.METRICS_TOKEN;

export default createAgent({
  systemPrompt: 'You are a concise, friendly assistant.',
  server: {
    jwtSecret,
    validApiKeys: apiKeys,
    ...(metricsToken === undefined || metricsToken === '' ? {} : { metrics: { token: metricsToken } }),
    // DATABASE_URL (threads) and REDIS_URL (sessions and runs shared by every instance) are read
    // by `agent-gateway serve` itself; without them the threads stay in the embedded database
    // under /data and each instance keeps its runs to itself.
  },
});
