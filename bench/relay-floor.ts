/**
 * The floor of issue 67: the thinnest relay a chat can go through, to measure the gateway against.
 * Plain `node:http`, nothing else: it reads the JSON chat request (`{ messages }`), calls the
 * mock model (Anthropic Messages, `stream: true`, the other rows' system prompt) over a
 * keep-alive socket, parses its SSE and re-encodes each text delta as an SSE frame
 * (`data: {"type":"text_delta","text":…}`), the frames of one chunk of the answer in one write (as
 * the gateway coalesces its writes: one per chunk would make the floor slower than the gateway on
 * long answers, and no floor at all). No sessions, auth, limits, event log, records,
 * metrics or logs.
 *
 *   FLOOR_UPSTREAM_URL=http://127.0.0.1:<mock port> node relay-floor.js
 * Prints `listening on http://127.0.0.1:<port>` once it serves.
 */
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';

const upstream = new URL('/v1/messages', process.env['FLOOR_UPSTREAM_URL'] ?? 'http://127.0.0.1:1');
const agent = new Agent({ keepAlive: true });

interface UpstreamEvent {
  type?: string;
  delta?: { type?: string; text?: string };
}

/**
 * With `FLOOR_RAW_TEXT=1` the floor does not parse the model's events at all: a frame that
 * holds a text delta has its text, still JSON-encoded, copied into the frame it sends (the text
 * is the delta's last field in the Anthropic stream: `…"text_delta","text":"…"}}`). The least a
 * relay can do per delta, for the durable verdict bench, whose floor must stay far ahead of the
 * gateway even at 500 deltas.
 */
const RAW_TEXT = process.env['FLOOR_RAW_TEXT'] === '1';
const TEXT_FIELD = '"text":';

/** A text delta of the model as the floor's frame (parsed and encoded again), or ''. */
function parsedTextFrame(frame: string): string {
  const event = JSON.parse(frame.slice(frame.indexOf('data: ') + 6)) as UpstreamEvent;
  return event.type === 'content_block_delta' && event.delta?.type === 'text_delta'
    ? `data: ${JSON.stringify({ type: 'text_delta', text: event.delta.text })}\n\n`
    : '';
}

/** `parsedTextFrame` without parsing: the text's JSON string copied as it came. */
function rawTextFrame(frame: string): string {
  if (!frame.includes('"text_delta"')) return '';
  const text = frame.slice(frame.lastIndexOf(TEXT_FIELD) + TEXT_FIELD.length, frame.lastIndexOf('}}'));
  return `data: {"type":"text_delta","text":${text}}\n\n`;
}

async function relay(client: IncomingMessage, answer: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of client) chunks.push(chunk as Buffer);
  const body = JSON.stringify({
    model: 'claude-sonnet-4-6',
    max_tokens: 1024,
    stream: true,
    system: 'You answer.',
    messages: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: unknown }).messages,
  });
  const call = request(upstream, {
    method: 'POST',
    agent,
    headers: {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'x-api-key': 'bench-key',
      'anthropic-version': '2023-06-01',
    },
  });
  answer.on('close', () => call.destroy());
  call.on('error', () => answer.destroy());
  call.on('response', (model) => {
    answer.writeHead(model.statusCode === 200 ? 200 : 502, { 'content-type': 'text/event-stream' });
    model.setEncoding('utf8');
    let buffered = '';
    model.on('data', (chunk: string) => {
      buffered += chunk;
      // The frames of one chunk of the answer go out in one write, as the gateway coalesces its.
      let out = '';
      let start = 0;
      for (let end = buffered.indexOf('\n\n'); end !== -1; end = buffered.indexOf('\n\n', start)) {
        const frame = buffered.slice(start, end);
        start = end + 2;
        out += RAW_TEXT ? rawTextFrame(frame) : parsedTextFrame(frame);
      }
      buffered = buffered.slice(start);
      if (out !== '') answer.write(out);
    });
    model.on('end', () => answer.end());
  });
  call.end(body);
}

const server = createServer((client, answer) => {
  relay(client, answer).catch(() => answer.writeHead(400).end());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null)
    console.log(`listening on http://127.0.0.1:${address.port}`);
});
