import { postJson, type ServeGateway } from './serve-gateway.js';

/**
 * Single-message chats from every token at once, each client starting its next chat as its
 * previous one ends, for `seconds`; resolves how many. A chat that does not answer 200 with the
 * stream's end throws. `textOf` makes a chat's text from the count of chats so far and the
 * client's index (the lean mock reads its answer's length from it).
 */
export async function gatewayChatsFor(
  gateway: ServeGateway,
  tokens: readonly string[],
  seconds: number,
  textOf: (chat: number, client: number) => string = (chat, client) => `question ${chat} of client ${client}`,
): Promise<number> {
  const deadline = performance.now() + seconds * 1_000;
  let chats = 0;
  await Promise.all(
    tokens.map(async (token, index) => {
      while (performance.now() < deadline) {
        const body = { messages: [{ role: 'user', content: textOf(chats, index) }] };
        const response = await postJson(`${gateway.base}/chat`, body, token);
        const text = await response.text();
        if (response.status !== 200 || !text.includes('stream_complete'))
          throw new Error(`chat answered ${response.status}: ${text.slice(0, 300)}`);
        chats += 1;
      }
    }),
  );
  return chats;
}
