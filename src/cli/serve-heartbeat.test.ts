import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { createAgent } from '../server/assembly/create-agent.js';
import type { CreateAgentOptions } from '../server/contracts/create-agent-options.js';
import type { GatewayApp } from '../server/gateway-app.js';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn } from '../testing/scripted-turn.js';
import { startAgentHeartbeat } from './serve-heartbeat.js';
import { toAutonomousOptions } from './run-command.js';

const apps: GatewayApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const agentOf = (options: Omit<CreateAgentOptions, 'systemPrompt'>): GatewayApp => {
  const app = createAgent({ systemPrompt: 'You watch the services.', logger: silentLogger, ...options });
  apps.push(app);
  return app;
};

/** The message `createAgent` throws for these options. */
const rejectionOf = (heartbeat: unknown): string => {
  try {
    agentOf({ heartbeat: heartbeat as CreateAgentOptions['heartbeat'] });
  } catch (error) {
    if (error instanceof GatewayError && error.code === 'invalid_option') return error.message;
    throw error;
  }
  throw new Error('createAgent accepted the heartbeat');
};

describe("createAgent's heartbeat option", () => {
  it('is checked with the rest of the spec, naming the field', () => {
    expect(rejectionOf({ intervalMs: -5 })).toMatch(/heartbeat\.intervalMs/);
    expect(rejectionOf({ activeHours: [8, 30] })).toMatch(/heartbeat\.activeHours/);
    expect(rejectionOf({ message: '  ' })).toMatch(/heartbeat\.message: must be a non-empty message/);
    expect(rejectionOf({ thread: 'no spaces here' })).toMatch(/heartbeat\.thread/);
  });

  it('refuses an unknown key with the closest known one, and maxTicks (a served heartbeat runs until the server stops)', () => {
    expect(rejectionOf({ interval: 1000 })).toMatch(/heartbeat\.interval.*intervalMs/);
    expect(rejectionOf({ maxTicks: 3 })).toMatch(/heartbeat\.maxTicks/);
  });

  it('is left out of the headless run of each tick', () => {
    const app = agentOf({ heartbeat: { intervalMs: 60_000 } });
    const definition = app.agentDefinition;
    expect(definition).toBeDefined();
    const { options } = toAutonomousOptions(definition ?? { spec: { systemPrompt: '' } }, {
      initialMessage: 'Heartbeat check.',
    });
    expect('heartbeat' in options).toBe(false);
  });
});

describe('startAgentHeartbeat without a database', () => {
  it('does nothing for an agent without a heartbeat', () => {
    const app = agentOf({});
    expect(startAgentHeartbeat(app.agentDefinition, { logger: silentLogger, notice: () => undefined })).toBe(
      undefined,
    );
  });

  it('ticks in this process, says so, hands alerts to onAlert, and stops once on its signal', async () => {
    const provider = createScriptedProvider({
      turns: [
        textTurn('HEARTBEAT_OK'),
        textTurn('The disk is full.'),
        ...Array.from({ length: 20 }, () => textTurn('HEARTBEAT_OK')),
      ],
    });
    const alerts: string[] = [];
    const app = agentOf({
      provider,
      model: 'scripted-model',
      heartbeat: {
        intervalMs: 1,
        message: 'Check the disks.',
        onAlert: (response) => void alerts.push(response),
      },
    });
    const notices: string[] = [];
    const controller = new AbortController();
    const heartbeat = startAgentHeartbeat(app.agentDefinition, {
      logger: silentLogger,
      notice: (line) => void notices.push(line),
      signal: controller.signal,
    });
    expect(heartbeat?.clustered).toBe(false);
    expect(notices.join('\n')).toMatch(/runs in this process only/);
    await expect.poll(() => provider.requests.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    controller.abort();
    await heartbeat?.stop();
    await heartbeat?.stop();
    expect(alerts).toEqual(['The disk is full.']);
    expect(provider.requests[0]?.messages.at(-1)).toMatchObject({ role: 'user' });
    expect(JSON.stringify(provider.requests[0]?.messages)).toContain('Check the disks.');
  });
});
