import { parseArgs } from 'node:util';
import { CliUsageError } from './parse-cli-args.js';

/** `agent-gateway schedules --help`. */
export const SCHEDULES_USAGE = `Usage: agent-gateway schedules <list|add|rm|fires> [options]

Manages the schedules of a running gateway over its HTTP API (it needs server.database).

  agent-gateway schedules list
  agent-gateway schedules add --cron "0 9 * * 1-5" --message "Morning report" \\
      [--timezone Europe/Paris] [--thread <id> | --new-thread-each-time] [--end-at <ISO time>] [--disabled]
  agent-gateway schedules rm <schedule-id>
  agent-gateway schedules fires <schedule-id>

Options:
      --url <url>         the gateway's API, prefix included (default: AGENT_GATEWAY_URL,
                          else http://127.0.0.1:8000/api)
      --api-key <key>     opens a session with POST /chat/init (default: AGENT_GATEWAY_API_KEY)
      --user <id>         the user the session is for (schedules are owned like threads)
      --token <token>     a bearer token instead of an API key (default: AGENT_GATEWAY_TOKEN)
      --json              print the API's JSON answer`;

/** Where a schedules command writes (stdout and stderr by default), and the environment. */
export interface SchedulesCommandIo {
  out?: (line: string) => void;
  err?: (line: string) => void;
  env?: Record<string, string | undefined>;
}

const options = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  user: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
  cron: { type: 'string' },
  message: { type: 'string' },
  timezone: { type: 'string' },
  thread: { type: 'string' },
  'new-thread-each-time': { type: 'boolean' },
  'end-at': { type: 'string' },
  disabled: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof options; allowPositionals: true }>>['values'];

/** A failed API call: its status and the gateway's `detail`. */
class ApiError extends Error {}

/** A client of the gateway's API with a bearer token opened once. */
async function connect(values: Values, env: Record<string, string | undefined>) {
  const base = (values.url ?? env['AGENT_GATEWAY_URL'] ?? 'http://127.0.0.1:8000/api').replace(/\/+$/, '');
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: shown as text.
    }
    if (!response.ok) {
      const detail =
        typeof parsed === 'object' && parsed !== null && 'detail' in parsed ? parsed.detail : parsed;
      throw new ApiError(
        `${method} ${path}: ${response.status} ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`,
      );
    }
    return parsed as Record<string, unknown>;
  };
  let token = values.token ?? env['AGENT_GATEWAY_TOKEN'];
  if (token === undefined) {
    const apiKey = values['api-key'] ?? env['AGENT_GATEWAY_API_KEY'];
    if (apiKey === undefined) throw new CliUsageError('give --api-key (or AGENT_GATEWAY_API_KEY) or --token');
    const session = await call('POST', '/chat/init', undefined, {
      api_key: apiKey,
      ...(values.user === undefined ? {} : { user: values.user }),
    });
    token = String(session['session_token']);
  }
  const bearer = token;
  return (method: string, path: string, body?: unknown) => call(method, path, bearer, body);
}

const line = (schedule: Record<string, unknown>): string =>
  [
    schedule['schedule_id'],
    JSON.stringify(schedule['cron']),
    schedule['timezone'],
    schedule['enabled'] === true ? `next ${String(schedule['next_fire_at'])}` : 'disabled',
    schedule['thread_id'] ??
      (schedule['new_thread_each_time'] === true ? 'new thread each time' : 'no thread'),
    JSON.stringify(schedule['message']),
  ].join('  ');

/** The one positional argument (a schedule id) of `rm` and `fires`. */
const idOf = (positionals: string[], action: string): string => {
  const id = positionals[1];
  if (id === undefined || positionals.length > 2)
    throw new CliUsageError(`schedules ${action} takes one schedule id`);
  return encodeURIComponent(id);
};

/**
 * `agent-gateway schedules list|add|rm|fires`: the `/schedules` routes of a running gateway,
 * with a session opened from an API key (or a bearer token given). Resolves the exit code: 0,
 * 1 when the gateway refused (its status and detail printed), 2 on a usage error.
 */
export async function runSchedulesCommand(
  argv: readonly string[],
  io: SchedulesCommandIo = {},
): Promise<number> {
  const out = io.out ?? ((text: string) => console.log(text));
  const err = io.err ?? ((text: string) => console.error(text));
  const env = io.env ?? process.env;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      allowPositionals: true,
      strict: true,
    });
    const action = positionals[0];
    if (values.help === true || action === undefined) {
      (action === undefined && values.help !== true ? err : out)(SCHEDULES_USAGE);
      return action === undefined && values.help !== true ? 2 : 0;
    }
    if (!['list', 'add', 'rm', 'fires'].includes(action)) {
      throw new CliUsageError(`unknown schedules action ${JSON.stringify(action)} (list, add, rm, fires)`);
    }
    if (action === 'add' && (values.cron === undefined || values.message === undefined)) {
      throw new CliUsageError('schedules add needs --cron and --message');
    }
    const id = action === 'rm' || action === 'fires' ? idOf(positionals, action) : '';
    const api = await connect(values, env);
    const print = (answer: Record<string, unknown>, text: () => string[]): void => {
      for (const each of values.json === true ? [JSON.stringify(answer, null, 2)] : text()) out(each);
    };
    if (action === 'list') {
      const page = await api('GET', '/schedules?limit=100');
      print(page, () => (page['schedules'] as Array<Record<string, unknown>>).map(line));
    } else if (action === 'add') {
      const created = await api('POST', '/schedules', {
        cron: values.cron,
        message: values.message,
        ...(values.timezone === undefined ? {} : { timezone: values.timezone }),
        ...(values.thread === undefined ? {} : { thread_id: values.thread }),
        ...(values['new-thread-each-time'] === true ? { new_thread_each_time: true } : {}),
        ...(values['end-at'] === undefined ? {} : { end_at: values['end-at'] }),
        ...(values.disabled === true ? { enabled: false } : {}),
      });
      print(created, () => [line(created)]);
    } else if (action === 'rm') {
      const deleted = await api('DELETE', `/schedules/${id}`);
      print(deleted, () => [`deleted ${String(deleted['schedule_id'])}`]);
    } else {
      const page = await api('GET', `/schedules/${id}/fires?limit=100`);
      print(page, () =>
        (page['fires'] as Array<Record<string, unknown>>).map((fire) =>
          [fire['due_at'], fire['status'], fire['run_id'], fire['fired_at'] ?? ''].join('  '),
        ),
      );
    }
    return 0;
  } catch (error) {
    if (
      error instanceof CliUsageError ||
      (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      err(
        `agent-gateway schedules: ${error.message}\nRun 'agent-gateway schedules --help' for every option.`,
      );
      return 2;
    }
    err(`agent-gateway schedules: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
