/** A parsed command line of `agent-gateway`. */
export type CliCommand =
  | {
      command: 'help';
      /** The command whose options to show; undefined: the list of commands. */
      topic?: CliTopic;
      /** 2 when help is the answer to no arguments at all (a usage error), else 0. */
      exitCode?: 2;
    }
  | { command: 'version' }
  | {
      command: 'init';
      /** Template name; undefined lists the templates. */
      template?: string;
      /** Folder to create (default: the template's name). */
      directory?: string;
    }
  | {
      command: 'serve';
      file: string;
      port: number;
      host: string;
      watch: boolean;
      /** `--playground` / `--no-playground`; undefined: on for a loopback host. */
      playground?: boolean;
      /** `--inbox` / `--no-inbox`; undefined: on where the agent authenticates requests, and on a loopback host. */
      inbox?: boolean;
      /** `--metrics`: Prometheus metrics at `GET /metrics`. */
      metrics?: boolean;
      /** `--a2a`: the agent served over A2A at `{prefix}/a2a` (`server.a2a`). */
      a2a?: boolean;
      /** `--mcp`: the agent served as an MCP server at `{prefix}/mcp` (`server.mcp`). */
      mcp?: boolean;
      /** `--demo`: a scripted model that calls the agent's own tools, no API key needed. */
      demo?: boolean;
      /** `--no-database`: neither the embedded default nor DATABASE_URL (a module's own `server.database` stays). */
      noDatabase?: boolean;
      /** `--no-migrate`: the database's migrations are left to `agent-gateway migrate` (`server.database.migrate: false`). */
      noMigrate?: boolean;
      /** `--log-level`: the least severe level logged (default `info`). */
      logLevel?: CliLogLevel;
      /** `--log-format`: `pretty` (default on a terminal) or `json` (default otherwise). */
      logFormat?: 'json' | 'pretty';
      /** `--verbose`: stack traces of start-up errors. */
      verbose?: boolean;
    }
  | {
      command: 'run';
      file: string;
      message: string;
      stateDir?: string;
      timeoutSeconds?: number;
      /** `--thread`: continue this stored thread (DATABASE_URL, else the embedded database). */
      thread?: string;
      /** `--json`: the run's events as JSON lines instead of text. */
      json?: boolean;
      logLevel?: CliLogLevel;
      verbose?: boolean;
    };

/** A command with a help text of its own. */
export type CliTopic = 'serve' | 'run' | 'init';

/** `--log-level` values, least severe first. */
export type CliLogLevel = 'debug' | 'info' | 'warn' | 'error';
