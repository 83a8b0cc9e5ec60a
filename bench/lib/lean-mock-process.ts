/**
 * Child process: the cheapest mock model a verdict bench can put under its lanes. Plain
 * `node:http`; every answer is an Anthropic Messages stream of N text deltas, encoded once per N
 * at first use (the mock upstream's own encoder, so the wire format is the tested one) and then
 * written in one `end()` with a `content-length`: per chat the mock reads a request body, finds
 * `deltas:<N>` in it and writes bytes it already has. No JSON parse, no per-delta write, no
 * timer. A request without the marker gets 8 deltas.
 *
 * IPC commands: `stats` (its CPU and memory, and how many answers it wrote).
 */
import { createServer } from 'node:http';
import { formatSseFrame } from '../../src/testing/mock-upstream/sse-frame.js';
import { encodeAnthropicStream } from '../../src/testing/mock-upstream/anthropic-stream-encoder.js';
import { textTurn } from '../../src/testing/scripted-turn.js';
import { serveIpcCommands } from './child-process-handle.js';
import { collectProcessStats } from './process-stats.js';

/** The marker of an answer's length in a chat's text: `deltas:<N>`. */
const DELTAS_MARKER = /deltas:(\d{1,5})/;
const DEFAULT_DELTAS = 8;

const answers = new Map<number, Buffer>();
/** The whole SSE answer of `deltas` text deltas, encoded on first use. */
const answerOf = (deltas: number): Buffer => {
  let answer = answers.get(deltas);
  if (answer === undefined) {
    const words = Array.from({ length: Math.max(1, deltas) }, (_, index) => `w${index}`).join(' ');
    const turn = textTurn(words, { usage: { inputTokens: 12, outputTokens: deltas } });
    const frames = encodeAnthropicStream(turn, 'claude-sonnet-4-6');
    answer = Buffer.from(frames.map(formatSseFrame).join(''), 'utf8');
    answers.set(deltas, answer);
  }
  return answer;
};

let written = 0;
const server = createServer({ keepAliveTimeout: 120_000 }, (request, response) => {
  let body = '';
  request.setEncoding('utf8');
  request.on('data', (chunk: string) => {
    body += chunk;
  });
  request.on('end', () => {
    const answer = answerOf(Number(DELTAS_MARKER.exec(body)?.[1] ?? DEFAULT_DELTAS));
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'content-length': answer.length,
      'request-id': 'req_mock',
    });
    response.end(answer);
    written += 1;
  });
});
server.headersTimeout = 0;
server.requestTimeout = 0;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
if (address === null || typeof address === 'string') throw new Error('the lean mock has no port');

serveIpcCommands(
  { stats: () => ({ ...collectProcessStats(), answers: written }) },
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);
process.send?.({ ready: true, url: `http://127.0.0.1:${address.port}` });
