import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import type { A2aSettings } from './a2a-option.js';

/** Where the agent card is served: at the root, whatever the route prefix. */
export const AGENT_CARD_PATH = '/.well-known/agent-card.json';

/** A skill of the agent as its card lists it. */
export interface AgentSkillInfo {
  id: string;
  name: string;
  description: string;
}

/** What the card is built from. */
export interface AgentCardInput {
  settings: A2aSettings;
  /** `https://host[:port]`: the configured `url`, else the origin the card was asked on. */
  origin: string;
  prefix: string;
  /** The agent's name when the option names none (`tracing.agentName`). */
  fallbackName: string | undefined;
  skills: readonly AgentSkillInfo[];
  /** The OpenID Connect issuer whose tokens are accepted (`server.auth.jwt`), and the scopes they need. */
  openIdConnect?: { issuer: string; scopes: readonly string[] };
}

const TEXT_MODES = ['text/plain', 'application/json'];

const skillOf = (info: AgentSkillInfo, tags: string[]): AgentSkill => ({
  id: info.id,
  name: info.name,
  description: info.description,
  tags,
  examples: [],
  inputModes: TEXT_MODES,
  outputModes: ['text/plain'],
  securityRequirements: [],
});

/**
 * The agent card (`/.well-known/agent-card.json`): the JSON-RPC interface at `{prefix}/a2a`
 * for A2A 1.0 and 0.3, streaming and (when on) push notifications, the session bearer token as
 * a security scheme (how to get one is in its description) and, with `server.auth.jwt`, the
 * provider's tokens as `openIdConnect`, and the agent itself plus
 * its markdown skills as skills.
 */
export function buildAgentCard(input: AgentCardInput): AgentCard {
  const { settings, origin, prefix } = input;
  const name = settings.name ?? input.fallbackName ?? 'agent';
  const description = settings.description ?? `The ${name} agent, served by ai-agent-gateway.`;
  const url = `${origin}${prefix}/a2a`;
  return {
    name,
    description,
    version: settings.version,
    supportedInterfaces: [
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ],
    provider: undefined,
    capabilities: {
      streaming: true,
      pushNotifications: settings.push !== undefined,
      extensions: [],
      extendedAgentCard: false,
    },
    securitySchemes: {
      session: {
        scheme: {
          $case: 'httpAuthSecurityScheme',
          value: {
            description: `A gateway session token. Exchange an API key for one with POST ${origin}${prefix}/chat/init {"api_key": "..."}; the answer's session_token is the bearer token.`,
            scheme: 'Bearer',
            bearerFormat: 'JWT',
          },
        },
      },
      ...(input.openIdConnect === undefined
        ? {}
        : {
            openIdConnect: {
              scheme: {
                $case: 'openIdConnectSecurityScheme' as const,
                value: {
                  description: `An access token of ${input.openIdConnect.issuer}, sent as the bearer token.`,
                  openIdConnectUrl: `${input.openIdConnect.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`,
                },
              },
            },
          }),
    },
    securityRequirements: [
      { schemes: { session: { list: [] } } },
      ...(input.openIdConnect === undefined
        ? []
        : [{ schemes: { openIdConnect: { list: [...input.openIdConnect.scopes] } } }]),
    ],
    defaultInputModes: TEXT_MODES,
    defaultOutputModes: ['text/plain'],
    skills: [
      skillOf({ id: 'chat', name, description }, ['chat']),
      ...input.skills.map((skill) => skillOf(skill, ['skill'])),
    ],
    signatures: [],
  };
}
