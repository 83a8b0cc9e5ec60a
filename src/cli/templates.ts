import type { DeployTarget } from './deploy-files.js';

/** A project `agent-gateway init` can start from: one of the package's examples. */
export interface Template {
  /** What the user types: `agent-gateway init <name>`. */
  name: string;
  /** The folder under the package's `examples/`. */
  directory: string;
  /** One line for the list. */
  description: string;
  /** Packages the project needs besides ai-agent-gateway (versions from this package's own). */
  dependencies: readonly string[];
  /** The project's npm scripts; `start` runs it. */
  scripts: Readonly<Record<string, string>>;
  /** The deployment files written beside it (`agent-gateway deploy`), if any. */
  deploy?: readonly DeployTarget[];
}

const SERVE = 'agent-gateway serve agent.ts';

/** Every template, in the order `agent-gateway init` lists them. */
export const TEMPLATES: readonly Template[] = [
  {
    name: 'minimal',
    directory: '01-minimal',
    description: 'one system prompt, nothing else: sessions, SSE chat, health check',
    dependencies: ['tsx'],
    scripts: { start: SERVE, demo: `${SERVE} --demo` },
  },
  {
    name: 'approvals',
    directory: '06-tool-approval',
    description: 'a local tool behind human approval, and a terminal client that approves it',
    dependencies: ['tsx', 'zod'],
    scripts: { start: SERVE, client: 'tsx client.ts' },
  },
  {
    name: 'local-tools',
    directory: '03-local-tools',
    description: 'two local TypeScript tools: a hand-written schema and a zod one',
    dependencies: ['tsx', 'zod'],
    scripts: { start: SERVE },
  },
  {
    name: 'mcp',
    directory: '02-mcp-tools',
    description: 'the official MCP filesystem server, limited to a workspace folder',
    dependencies: ['tsx', '@modelcontextprotocol/server-filesystem'],
    scripts: { start: SERVE },
  },
  {
    name: 'code-execution',
    directory: '04-code-execution',
    description: 'the model runs Python in a sandbox (docker, bubblewrap or a subprocess)',
    dependencies: ['tsx'],
    scripts: { start: SERVE },
  },
  {
    name: 'skills',
    directory: '05-skills',
    description: 'markdown skills run as sub-agents',
    dependencies: ['tsx'],
    scripts: { start: SERVE },
  },
  {
    name: 'headless-cron',
    directory: '09-autonomous',
    description: 'one run from cron, no server: a tool, state between runs, an exit code',
    dependencies: ['tsx', 'zod'],
    scripts: { start: 'tsx run.ts' },
  },
  {
    name: 'heartbeat',
    directory: '11-heartbeat',
    description: 'a persistent agent that checks in periodically and alerts only when needed',
    dependencies: ['tsx', 'zod'],
    scripts: { start: 'tsx heartbeat.ts' },
  },
  {
    name: 'use-chat',
    directory: '10-use-chat',
    description: "a React page on the AI SDK's useChat: approvals, a browser tool, stop, resume",
    dependencies: ['tsx', 'zod', 'ai', '@ai-sdk/react', 'react', 'react-dom', 'vite', '@vitejs/plugin-react'],
    scripts: { start: SERVE, web: 'vite web', 'build:web': 'vite build web' },
  },
  {
    name: 'redis-balancer',
    directory: '12-redis-balancer',
    description: 'several instances behind HAProxy sharing sessions and runs through Redis',
    dependencies: ['tsx'],
    scripts: { start: SERVE },
  },
  {
    name: 'agent-protocols',
    directory: '13-agent-protocols',
    description: 'other agents call yours over A2A and MCP, approvals included, with both clients',
    dependencies: ['tsx', 'zod', '@a2a-js/sdk', '@modelcontextprotocol/sdk'],
    scripts: { start: SERVE, 'a2a-client': 'tsx a2a-client.ts', 'mcp-client': 'tsx mcp-client.ts' },
  },
  {
    name: 'multi-provider',
    directory: '08-multi-provider',
    description: "OpenAI's Chat Completions (or a compatible server) instead of Anthropic",
    dependencies: ['tsx'],
    scripts: { start: SERVE },
  },
  {
    name: 'deploy',
    directory: '15-deploy',
    description: 'an agent shipped as an image: Dockerfile, compose (Postgres, Redis, HAProxy), Kubernetes',
    dependencies: ['tsx', 'prom-client'],
    scripts: { start: SERVE },
    deploy: ['docker', 'compose', 'kubernetes'],
  },
  {
    name: 'full-production',
    directory: '07-full-production',
    description: 'createGatewayApp: API keys, CORS, a prompt per channel, JSONL logs, limits',
    dependencies: ['tsx', 'zod'],
    scripts: { start: SERVE },
  },
];
