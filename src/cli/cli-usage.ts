import { fileURLToPath } from 'node:url';

/**
 * Where the CLI's help points for everything it cannot say in a screen: the README and docs/
 * shipped in the package (two levels up from src/cli or dist/cli).
 */
export const DOCS_URL = fileURLToPath(new URL('../../README.md', import.meta.url));

/** `agent-gateway --help`: the commands. */
export const CLI_USAGE = `Usage:
  agent-gateway serve <agent-file> [options]     serve an agent over HTTP
  agent-gateway run <agent-file> "<message>"     run an agent once, headless (for cron)
  agent-gateway init [template] [dir]            start a project from a template (list: no args)
  agent-gateway deploy docker|compose|kubernetes write the files that ship the project's agent
  agent-gateway schedules list|add|rm|fires      a running gateway's schedules, over its API
  agent-gateway webhooks secret                  print a new webhook signing secret (whsec_...)
  agent-gateway usage [--tenant <id>]           print the spend in the budget ledger, by model
  agent-gateway budgets reconcile [--repair]     recompute the budget counters from the ledger; report drift
  agent-gateway migrate [--database-url <url>]   apply the database migrations and exit
  agent-gateway --help | --version
  agent-gateway <command> --help                 the options of one command

Docs: ${DOCS_URL}`;

/** `agent-gateway serve --help`. */
export const SERVE_USAGE = `Usage: agent-gateway serve <agent-file> [options]

Loads a .ts or .js module whose default export (or \`app\` export) is a gateway app
(createAgent / createGatewayApp) and serves it over HTTP until SIGINT or SIGTERM.

Options:
  -p, --port <n>          port to listen on (default: PORT, else 8000; 0 picks a free one)
      --host <address>    address to bind (default 127.0.0.1; any other address needs
                          server.validApiKeys, or server.allowAnyApiKey for an open demo)
      --watch             restart when a file beside the module changes (not node_modules
                          or dot folders such as .agent-gateway/, where the database writes)
      --playground        serve the playground page at /playground (default on a loopback host)
      --no-playground     do not serve it, even on a loopback host
      --inbox             serve the approvals inbox page at /inbox (default where the
                          agent authenticates requests, and on a loopback host)
      --no-inbox          do not serve it (server.inbox: false)
      --metrics           serve Prometheus metrics at GET /metrics (needs prom-client; off
                          loopback the module must set server.metrics: { token })
      --a2a               serve the agent to other agents over A2A at <prefix>/a2a, with
                          its agent card at /.well-known/agent-card.json
      --mcp               serve the agent as an MCP server (one tool) at <prefix>/mcp
      --demo              answer from a scripted demo model that calls the agent's own
                          tools (demo tools when it has none): no API key, nothing sent out
      --no-database       no threads database unless the module sets server.database
                          (default: DATABASE_URL, else embedded in ./.agent-gateway/data)
      --no-migrate        leave the schema to agent-gateway migrate: wait (readiness 503,
                          component migrations) until it is applied (server.database.migrate)
      --log-level <l>     debug, info (default), warn or error
      --log-format <f>    pretty (default on a terminal) or json (default otherwise)
      --verbose           print stack traces of start-up errors
  -h, --help              this text

Environment:
  PORT                    default port
  ANTHROPIC_API_KEY       Anthropic credential (or ANTHROPIC_AUTH_TOKEN); none: stub replies
  OPENAI_API_KEY          OpenAI credential, for provider: 'openai'
  ANTHROPIC_BASE_URL, OPENAI_BASE_URL
                          another endpoint for the provider (a proxy, a compatible server)
  REDIS_URL               store sessions and runs in Redis, when the module sets no store
  REDIS_CLUSTER=1         REDIS_URL is a node of a Redis Cluster
  DATABASE_URL            keep threads in this PostgreSQL database, when the module sets no
                          server.database (default: embedded, in ./.agent-gateway/data)

Docs: ${DOCS_URL}`;

/** `agent-gateway run --help`. */
export const RUN_USAGE = `Usage: agent-gateway run <agent-file> "<message>" [options]

Runs the agent a createAgent module defines once, headless, with its tools, MCP servers,
skills and limits (client-side tools and code execution left out). Streams the answer as it
arrives and exits with the run's code: 0 ok, 1 error, 2 budget, 3 max turns, 124 timeout.

Options:
      --state-dir <dir>   keep the agent's state file in <dir> between runs
      --timeout <s>       stop after this many seconds (the partial answer is printed first)
      --thread <name>     continue this stored thread (created on first use): the agent
                          remembers earlier runs; kept in the module's server.database, else
                          DATABASE_URL, else embedded in ./.agent-gateway/data
      --json              print the run's events as JSON lines instead of text
      --log-level <l>     debug, info, warn (default) or error
      --verbose           print stack traces of start-up errors
  -h, --help              this text

Environment:
  ANTHROPIC_API_KEY       Anthropic credential (or ANTHROPIC_AUTH_TOKEN); none: stub replies
  OPENAI_API_KEY          OpenAI credential, for provider: 'openai'
  ANTHROPIC_BASE_URL, OPENAI_BASE_URL
                          another endpoint for the provider
  DATABASE_URL            keep --thread in this PostgreSQL database, when the module sets no
                          server.database (default: embedded, in ./.agent-gateway/data)

Docs: ${DOCS_URL}`;

/** `agent-gateway init --help`. */
export const INIT_USAGE = `Usage: agent-gateway init [template] [dir]

Starts a project from one of the package's examples: copies it into <dir> (default: the
template's name), writes a package.json with its dependencies and scripts, and prints how to
run it. With no template, lists them. Refuses a folder that exists and is not empty.

Docs: ${DOCS_URL}`;

/** The help text of a topic. */
export function usageOf(topic: 'serve' | 'run' | 'init' | undefined): string {
  return topic === 'serve'
    ? SERVE_USAGE
    : topic === 'run'
      ? RUN_USAGE
      : topic === 'init'
        ? INIT_USAGE
        : CLI_USAGE;
}
