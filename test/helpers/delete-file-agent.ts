import type { ToolDefinition } from '../../src/core/tool.js';
import type { CreateAgentOptions } from '../../src/server/contracts/create-agent-options.js';
import { toolsFrom } from './tools-from.js';

/** `delete_file`: a tool whose calls need a person's approval in `deleteFileAgent`. */
export const deleteFile: ToolDefinition = {
  name: 'delete_file',
  description: 'Deletes a file',
  input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
};

/**
 * Options of an agent on the mock model at `upstreamUrl` whose `delete_file` needs approval
 * (`deleted` collects the paths it deleted), with `database` and runs suspended after 150 ms of
 * waiting (scanned every 100 ms); `server` adds to or overrides those settings.
 */
export function deleteFileAgent(
  upstreamUrl: string,
  database: NonNullable<CreateAgentOptions['server']>['database'],
  deleted: string[],
  server: NonNullable<CreateAgentOptions['server']> = {},
): CreateAgentOptions {
  return {
    systemPrompt: 'You are a test agent.',
    provider: 'anthropic',
    apiKey: 'test-key',
    providerConfig: { baseURL: upstreamUrl },
    needsApproval: (toolName) => toolName === 'delete_file',
    tools: toolsFrom(
      {
        delete_file: (input) => {
          deleted.push(String(input['path']));
          return { deleted: input['path'] };
        },
      },
      [deleteFile],
    ),
    server: { database, suspendAfterMs: 150, suspendedRunScanIntervalMs: 100, ...server },
  };
}
