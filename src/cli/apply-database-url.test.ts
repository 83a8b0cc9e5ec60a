import { describe, expect, it } from 'vitest';
import { createAgent } from '../server/assembly/create-agent.js';
import { createGatewayApp } from '../server/create-gateway-app.js';
import { applyDatabaseUrl, runDatabaseSetting, serveDatabaseSetting } from './apply-database-url.js';

const notices: string[] = [];
const notice = (line: string): void => void notices.push(line);

describe('DATABASE_URL and the embedded default for agent-gateway serve', () => {
  it('uses the embedded database unless DATABASE_URL names a PostgreSQL one', () => {
    notices.length = 0;
    expect(serveDatabaseSetting(undefined, undefined, notice)).toBe('embedded');
    expect(serveDatabaseSetting(undefined, '  ', notice)).toBe('embedded');
    expect(serveDatabaseSetting(undefined, ' postgres://db.internal/app ', notice)).toEqual({
      postgres: 'postgres://db.internal/app',
    });
    expect(notices).toEqual([]);
  });

  it('keeps no threads for one of several instances sharing Redis until DATABASE_URL names a database', async () => {
    notices.length = 0;
    expect(serveDatabaseSetting(undefined, undefined, notice, true)).toBe(false);
    expect(notices).toEqual([
      'threads are not kept: instances sharing Redis need one PostgreSQL database (set DATABASE_URL ' +
        'or server.database: { postgres })',
    ]);
    expect(serveDatabaseSetting(undefined, 'postgres://db.internal/app', notice, true)).toEqual({
      postgres: 'postgres://db.internal/app',
    });
    const agent = createAgent({
      systemPrompt: 'Hi',
      server: { store: { redis: 'redis://127.0.0.1:1' } },
    });
    const served = await applyDatabaseUrl(agent, undefined, notice);
    expect(served.agentDefinition?.spec.server?.database).toBe(false);
    await served.close();
  });

  it('keeps the agent’s own setting, false included, and says when DATABASE_URL is not used', () => {
    notices.length = 0;
    expect(serveDatabaseSetting(false, undefined, notice)).toBeUndefined();
    expect(serveDatabaseSetting({ embedded: { dir: '/data' } }, undefined, notice)).toBeUndefined();
    expect(notices).toEqual([]);
    expect(serveDatabaseSetting(false, 'postgres://db.internal/app', notice)).toBeUndefined();
    expect(
      serveDatabaseSetting({ postgres: 'postgres://db.internal/app' }, 'postgres://db.internal/app', notice),
    ).toBeUndefined();
    expect(notices).toEqual(['DATABASE_URL is ignored: the agent sets server.database itself']);
  });

  it('leaves an app built with createGatewayApp alone and says so when DATABASE_URL is set', async () => {
    notices.length = 0;
    const app = createGatewayApp({
      buildChatRuntime: () => {
        throw new Error('not used');
      },
    });
    expect(await applyDatabaseUrl(app, 'postgres://db.internal/app', notice)).toBe(app);
    expect(await applyDatabaseUrl(app, undefined, notice)).toBe(app);
    expect(notices).toEqual([
      'DATABASE_URL is ignored: the module builds its app with createGatewayApp; set server.database there',
    ]);
    await app.close();
  });

  it('gives an agent without server.database the PostgreSQL database of DATABASE_URL', async () => {
    const app = await applyDatabaseUrl(
      createAgent({ systemPrompt: 'x' }),
      'postgres://db.internal/app',
      notice,
    );
    expect(app.agentDefinition?.spec.server?.database).toEqual({
      postgres: 'postgres://db.internal/app',
    });
    await app.close();
  });

  it('leaves the migrations to agent-gateway migrate with --no-migrate, on whichever database is chosen', async () => {
    const fromUrl = await applyDatabaseUrl(
      createAgent({ systemPrompt: 'x' }),
      'postgres://db.internal/app',
      notice,
      false,
    );
    expect(fromUrl.agentDefinition?.spec.server?.database).toEqual({
      postgres: 'postgres://db.internal/app',
      migrate: false,
    });
    const own = await applyDatabaseUrl(
      createAgent({ systemPrompt: 'x', server: { database: { postgres: 'postgres://own/app' } } }),
      undefined,
      notice,
      false,
    );
    expect(own.agentDefinition?.spec.server?.database).toEqual({
      postgres: 'postgres://own/app',
      migrate: false,
    });
    const embedded = await applyDatabaseUrl(createAgent({ systemPrompt: 'x' }), undefined, notice, false);
    expect(embedded.agentDefinition?.spec.server?.database).toEqual({ embedded: {}, migrate: false });
    await Promise.all([fromUrl.close(), own.close(), embedded.close()]);
  });
});

describe('the database of agent-gateway run --thread', () => {
  it('is the agent’s own server.database, else DATABASE_URL, else the embedded one', () => {
    notices.length = 0;
    expect(runDatabaseSetting(undefined, undefined, notice)).toBe('embedded');
    expect(runDatabaseSetting(undefined, 'postgres://db.internal/app', notice)).toEqual({
      postgres: 'postgres://db.internal/app',
    });
    expect(runDatabaseSetting({ embedded: { dir: './data' } }, undefined, notice)).toEqual({
      embedded: { dir: './data' },
    });
    expect(notices).toEqual([]);
    expect(runDatabaseSetting({ embedded: { dir: './data' } }, 'postgres://db.internal/app', notice)).toEqual(
      {
        embedded: { dir: './data' },
      },
    );
    expect(notices).toEqual(['DATABASE_URL is ignored: the agent sets server.database itself']);
  });

  it('is refused when the agent keeps no database (server.database: false)', () => {
    expect(() => runDatabaseSetting(false, 'postgres://db.internal/app', notice)).toThrow(
      expect.objectContaining({ code: 'invalid_option' }) as unknown,
    );
  });
});
