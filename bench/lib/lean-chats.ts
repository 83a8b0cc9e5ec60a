import type { LeanConnection } from './lean-load-client.js';

/** How often a chat is sent again while its session's previous run still holds the session. */
const MAX_BUSY_RETRIES = 200;

const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** 409 answers (a session still busy with its previous run) sent again, since the process started. */
export const busyRetries = { count: 0 };

/** The text of a chat that asks the lean mock for `deltas` text deltas. */
export const chatText = (deltas: number, index: number): string => `question ${index} deltas:${deltas}`;

/**
 * One chat on `connection`; sent again after 1 ms while the server answers 409 (the session's
 * previous run is still releasing it). Resolves its time to first token when `timeFirstToken`;
 * rejects on any other status than 200.
 */
export async function leanChat(
  connection: LeanConnection,
  text: string,
  timeFirstToken = false,
): Promise<number | undefined> {
  for (let attempt = 0; ; attempt += 1) {
    const answer = await connection.chat(text, { timeFirstToken });
    if (answer.status === 200) return answer.firstTokenMs;
    if (answer.status !== 409 || attempt >= MAX_BUSY_RETRIES)
      throw new Error(`a chat answered ${answer.status}`);
    busyRetries.count += 1;
    await sleep(1);
  }
}

/**
 * Every connection chats back to back for `seconds` (c = the number of connections), each chat
 * asking for `deltas` text deltas; resolves how many chats completed and in how many ms. A
 * failed chat fails the slice: a lane that drops chats has no rate.
 */
export async function leanChatsFor(
  connections: readonly LeanConnection[],
  deltas: number,
  seconds: number,
): Promise<{ chats: number; ms: number }> {
  const started = performance.now();
  const deadline = started + seconds * 1_000;
  let chats = 0;
  await Promise.all(
    connections.map(async (connection) => {
      while (performance.now() < deadline) {
        await leanChat(connection, chatText(deltas, chats));
        chats += 1;
      }
    }),
  );
  return { chats, ms: performance.now() - started };
}
