import { afterEach, describe, expect, it } from 'vitest';
import { runSchedulesCommand } from '../src/cli/schedules-command.js';
import { createCleanupStack } from './helpers/cleanup-stack.js';
import { useSharedPostgresServer } from './helpers/shared-postgres-server.js';
import { startMockAgent } from './helpers/start-mock-agent.js';

const cleanup = createCleanupStack();
afterEach(() => cleanup.run());
const { unavailable, createDatabase } = useSharedPostgresServer();

const KEY = 'backend-key';

/** Runs `agent-gateway schedules ...` against `url`; resolves its exit code and what it printed. */
async function cli(url: string, ...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSchedulesCommand(argv, {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { AGENT_GATEWAY_URL: url, AGENT_GATEWAY_API_KEY: KEY },
  });
  return { code, out, err };
}

describe.skipIf(unavailable !== undefined)('agent-gateway schedules', () => {
  it('adds, lists and removes schedules of a gateway on 127.0.0.1 over its API, per user', async () => {
    const url = await createDatabase();
    const { gateway } = await startMockAgent(cleanup, {
      turns: [],
      agent: {
        server: { validApiKeys: [KEY], serverSideApiKeys: [KEY], database: { postgres: url } },
      },
    });
    const api = gateway.baseUrl;
    expect(api).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api$/);

    const added = await cli(
      api,
      'add',
      '--cron',
      '0 9 * * 1-5',
      '--timezone',
      'Europe/Paris',
      '--message',
      'Morning report',
      '--new-thread-each-time',
      '--user',
      'alice',
      '--json',
    );
    expect(added.code).toBe(0);
    const schedule = JSON.parse(added.out.join('\n')) as Record<string, unknown>;
    expect(schedule).toMatchObject({
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Paris',
      new_thread_each_time: true,
    });
    const id = String(schedule['schedule_id']);

    const listed = await cli(api, 'list', '--user', 'alice');
    expect(listed.code).toBe(0);
    expect(listed.out).toHaveLength(1);
    expect(listed.out[0]).toContain(id);
    expect(listed.out[0]).toContain('"Morning report"');
    expect((await cli(api, 'list', '--user', 'bob')).out).toEqual([]);
    expect((await cli(api, 'fires', id, '--user', 'alice')).out).toEqual([]);

    const refused = await cli(api, 'add', '--cron', '61 * * * *', '--message', 'x', '--user', 'alice');
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/422 cron "61 \* \* \* \*" is not valid/);
    const strangers = await cli(api, 'rm', id, '--user', 'bob');
    expect(strangers.code).toBe(1);
    expect(strangers.err.join('\n')).toContain('404 Schedule not found');

    expect(await cli(api, 'rm', id, '--user', 'alice')).toMatchObject({ code: 0, out: [`deleted ${id}`] });
    expect((await cli(api, 'list', '--user', 'alice')).out).toEqual([]);
  });

  it('answers usage errors with exit code 2 before any request', async () => {
    const unreachable = 'http://127.0.0.1:9/api';
    expect((await cli(unreachable, 'add', '--cron', '* * * * *')).code).toBe(2);
    expect((await cli(unreachable, 'frobnicate')).code).toBe(2);
    expect((await cli(unreachable, 'rm')).code).toBe(2);
    expect((await cli(unreachable, 'list', '--colour')).code).toBe(2);
    const help = await cli(unreachable, '--help');
    expect(help.code).toBe(0);
    expect(help.out.join('\n')).toContain('schedules <list|add|rm|fires>');
  });
});
