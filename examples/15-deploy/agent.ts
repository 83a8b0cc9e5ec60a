/**
 * An agent ready to ship as an image, with compose and Kubernetes files beside it
 * (`agent-gateway deploy docker|compose|kubernetes` writes them; `agent-gateway init deploy`
 * starts a project with all of them). Everything that differs between environments comes from
 * the environment, and the module refuses to start without its secrets.
 *
 *   JWT_SECRET=$(openssl rand -base64 48) API_KEYS=dev-key npx agent-gateway serve agent.ts
 */
import { createAgent } from 'ai-agent-gateway';

/** The comma-separated values of an environment variable, trimmed, empty ones left out. */
const listOf = (name: string): string[] =>
  (process.env[name] ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');

/** A whole number of milliseconds from the environment, or undefined when it is not set. */
const millisecondsOf = (name: string): number | undefined => {
  const text = process.env[name] ?? '';
  if (text === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number of milliseconds, not ${JSON.stringify(text)}`);
  }
  return value;
};

// `new,old` while a secret rotates: the first signs, all verify (docs/deploy.md, rotation).
const jwtSecrets = listOf('JWT_SECRET');
const [signingSecret, ...previousSecrets] = jwtSecrets;
if (signingSecret === undefined || jwtSecrets.some((secret) => secret.length < 32)) {
  // Every instance signs and verifies session tokens with it: the same value everywhere.
  throw new Error('set JWT_SECRET to a random value of 32+ characters (the same on every instance)');
}
const apiKeys = listOf('API_KEYS');
if (apiKeys.length === 0) {
  // Listening on 0.0.0.0 in a container, the gateway needs the keys clients open sessions with.
  throw new Error('set API_KEYS to the comma-separated API keys your clients use');
}

// Prometheus metrics at GET /metrics when METRICS_TOKEN is set: off loopback the scraper must
// send it as a bearer token (needs the prom-client package, a dependency of this project).
const metricsToken = process.env.METRICS_TOKEN;

// How a shutdown drains: the listener stays open for the drain delay (while balancers stop
// sending here), then running turns get up to the timeout (docs/deploy.md).
const drainDelayMs = millisecondsOf('SHUTDOWN_DRAIN_DELAY_MS');
const timeoutMs = millisecondsOf('SHUTDOWN_TIMEOUT_MS');

export default createAgent({
  systemPrompt: 'You are a concise, friendly assistant.',
  server: {
    jwtSecret: previousSecrets.length === 0 ? signingSecret : [signingSecret, ...previousSecrets],
    validApiKeys: apiKeys,
    shutdown: {
      ...(drainDelayMs === undefined ? {} : { drainDelayMs }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    },
    ...(metricsToken === undefined || metricsToken === '' ? {} : { metrics: { token: metricsToken } }),
    // DATABASE_URL (threads) and REDIS_URL (sessions and runs shared by every instance) are read
    // by `agent-gateway serve` itself; without them the threads stay in the embedded database
    // under /data and each instance keeps its runs to itself.
  },
});
