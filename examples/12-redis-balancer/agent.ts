/**
 * One agent served by several instances behind a load balancer, sharing sessions, runs and
 * approvals through Redis: any instance can stream, resume, approve or cancel any run, and a
 * run whose instance dies is taken over by another.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 JWT_SECRET=... npx agent-gateway serve agent.ts --port 8001
 *   REDIS_URL=redis://127.0.0.1:6379 JWT_SECRET=... npx agent-gateway serve agent.ts --port 8002
 *   haproxy -f haproxy.cfg      # clients talk to http://127.0.0.1:8080
 */
import { createAgent } from 'ai-agent-gateway';

const jwtSecret = process.env.JWT_SECRET;
if (jwtSecret === undefined || jwtSecret.length < 32) {
  // Every instance must sign and verify session tokens with the same secret.
  throw new Error('set JWT_SECRET to the same random value (32+ characters) on every instance');
}

export default createAgent({
  systemPrompt: 'You are a helpful assistant.',
  server: {
    jwtSecret,
    store: { redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    // Listening on loopback, the gateway serves only loopback Host names: list the name your
    // clients use through the balancer (e.g. allowedHosts: ['agent.example.com']).
    // HAProxy runs on this machine and names each client in X-Forwarded-For: per-client limits
    // (connections, new sessions) then count the client, not the balancer. List your balancers'
    // addresses here in production.
    trustedProxies: ['127.0.0.1'],
    // Set API_KEYS (comma-separated) in production; without it any non-empty key opens a session.
    ...(process.env.API_KEYS === undefined ? {} : { validApiKeys: process.env.API_KEYS.split(',') }),
  },
});
