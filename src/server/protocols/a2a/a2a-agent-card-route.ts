import { AgentCard, A2A_VERSION_HEADER } from '@a2a-js/sdk';
import { ServerCallContext, type A2ARequestHandler } from '@a2a-js/sdk/server';
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server';
import type { RouteHandler } from '../../http/route-handler.js';
import { isRecord } from './is-record.js';

/** The SDK translates a 1.0 card to its 0.3 shape when it answers the 0.3 card method. */
const legacyCard = async (card: AgentCard): Promise<unknown> => {
  const cardOnly = {
    getAuthenticatedExtendedAgentCard: () => Promise.resolve(card),
  } as unknown as A2ARequestHandler;
  const answer = await new LegacyJsonRpcTransportHandler(cardOnly).handle(
    { jsonrpc: '2.0', id: 1, method: 'agent/getAuthenticatedExtendedCard' },
    new ServerCallContext({ requestedVersion: '0.3' }),
  );
  return isRecord(answer) ? answer['result'] : undefined;
};

/**
 * `GET /.well-known/agent-card.json`: the card `cardFor` builds for the request, 1.0-shaped when
 * the request says `A2A-Version: 1.0`, 0.3-shaped otherwise.
 */
export function createAgentCardHandler(cardFor: (request: Request) => Promise<AgentCard>): RouteHandler {
  return async (c) => {
    const card = await cardFor(c.req.raw);
    const version = c.req.header(A2A_VERSION_HEADER) ?? '0.3';
    const headers = { vary: A2A_VERSION_HEADER, 'cache-control': 'public, max-age=300' };
    if (version === '0.3') return c.json(await legacyCard(card), 200, headers);
    return c.json(AgentCard.toJSON(card), 200, headers);
  };
}
