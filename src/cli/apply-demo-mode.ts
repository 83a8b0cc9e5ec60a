import { createDemoProvider, DEMO_MODEL } from '../providers/demo/demo-provider.js';
import { rebuildAgent, withProvider } from '../server/assembly/rebuild-agent.js';
import type { GatewayApp } from '../server/gateway-app.js';
import type { CreateAgentOptions } from '../server/contracts/create-agent-options.js';
import { DEMO_APPROVAL_TOOL, demoTools } from './demo-tools.js';

/** The line the playground shows in demo mode. */
export const DEMO_NOTICE =
  'Demo mode: answers come from a scripted model that calls the agent’s tools with sample input. ' +
  'No API key is used and nothing is sent to a model provider.';

/** Whether the agent brings tools of its own (local, MCP, skills or code execution). */
const hasOwnTools = (spec: CreateAgentOptions): boolean =>
  (spec.tools?.length ?? 0) > 0 ||
  spec.mcp !== undefined ||
  spec.skills !== undefined ||
  (spec.codeExecution !== undefined && spec.codeExecution !== false);

/**
 * `serve --demo`: the same agent with the demo provider in place of its model (no key, no
 * network), demo tools when it has none of its own (one plain, one behind an approval, one
 * the client runs), and a playground that says it is a demo. Only `createAgent` apps can be
 * changed this way; the app given is closed (it never started).
 */
export async function applyDemoMode(app: GatewayApp, notice: (line: string) => void): Promise<GatewayApp> {
  return rebuildAgent(
    app,
    (spec) => {
      const ownTools = hasOwnTools(spec);
      notice(
        ownTools
          ? "demo mode: a scripted model answers and calls the agent's own tools with sample input"
          : 'demo mode: a scripted model answers; the agent has no tools, so it gets three demo tools ' +
              '(get_weather, send_email behind an approval, ask_user run by the client)',
      );
      return {
        ...withProvider(spec, createDemoProvider(), DEMO_MODEL),
        ...(ownTools
          ? {}
          : { tools: demoTools, needsApproval: (toolName: string) => toolName === DEMO_APPROVAL_TOOL }),
        server: {
          ...spec.server,
          ...(spec.server?.playground === true ? { playground: { notice: DEMO_NOTICE } } : {}),
        },
      };
    },
    '--demo',
  );
}
