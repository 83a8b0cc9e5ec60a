/**
 * The floor of any relay on this machine: CPU per relayed delta of a bare TCP relay (its own
 * process: one `data` event from the upstream socket, one `write` to the client socket, no
 * HTTP, no parsing), measured exactly like `gateway-cpu-per-delta.ts` (`streams` concurrent
 * streams of 64 and of 8 small chunks, `delayMs` apart; (CPU of the 64 batch − CPU of the 8
 * batch) / (streams × 56)). Whatever the gateway's per-delta figure is above this, its code
 * and its HTTP layers cost; this part only the kernel and libuv do.
 *
 *   npx tsx bench/relay-floor-per-delta.ts [streams=20] [rounds=6] [delayMs=20]
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { currentLoad } from './lib/machine-info.js';
import { median, round } from './lib/stats.js';

/** A chunk about the size of one relayed `text_delta` frame. */
const CHUNK = `id: r:1\ndata: ${JSON.stringify({ type: 'text_delta', text: 'w12 ' })}\n\n`;

if (process.argv[2] === 'relay') {
  // The relay process: every client connection gets its own upstream connection.
  const upstreamPort = Number(process.argv[3]);
  const relay = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    client.once('data', (request: Buffer) => upstream.write(request));
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  relay.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (relay.address() as AddressInfo).port });
  });
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send?.({ cpuMs: (cpu.user + cpu.system) / 1000, systemMs: cpu.system / 1000 });
  });
} else {
  const streams = Number(process.argv[2] ?? 20);
  const rounds = Number(process.argv[3] ?? 6);
  const delayMs = Number(process.argv[4] ?? 20);
  // The upstream: the first byte a connection sends is how many chunks it wants.
  const upstream = createServer((socket: Socket) => {
    socket.once('data', (request: Buffer) => {
      let left = request.readUInt8(0);
      const timer = setInterval(() => {
        socket.write(CHUNK);
        left -= 1;
        if (left === 0) {
          clearInterval(timer);
          socket.end();
        }
      }, delayMs);
      socket.on('close', () => clearInterval(timer));
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const child = fork(
    fileURLToPath(import.meta.url),
    ['relay', String((upstream.address() as AddressInfo).port)],
    {
      execArgv: ['--import', 'tsx'],
    },
  );
  const [ready] = (await once(child, 'message')) as [{ port: number }];
  const cpuOfRelay = async (): Promise<{ cpuMs: number; systemMs: number }> => {
    child.send('cpu');
    const [message] = (await once(child, 'message')) as [{ cpuMs: number; systemMs: number }];
    return message;
  };
  const stream = (chunks: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect(ready.port, '127.0.0.1', () => socket.write(Buffer.from([chunks])));
      let bytes = 0;
      socket.on('data', (chunk: Buffer) => (bytes += chunk.length));
      socket.on('end', () =>
        bytes === chunks * Buffer.byteLength(CHUNK) ? resolve() : reject(new Error('short')),
      );
      socket.on('error', reject);
    });
  const batch = async (chunks: number): Promise<{ cpu: number; system: number }> => {
    const before = await cpuOfRelay();
    await Promise.all(Array.from({ length: streams }, () => stream(chunks)));
    const after = await cpuOfRelay();
    return { cpu: after.cpuMs - before.cpuMs, system: after.systemMs - before.systemMs };
  };
  const micros = (long: number, short: number): number => ((long - short) / (streams * 56)) * 1000;
  const perDelta: number[] = [];
  const systemPerDelta: number[] = [];
  for (let index = 0; index < rounds; index += 1) {
    const long = await batch(64);
    const short = await batch(8);
    console.log(
      `${index === 0 ? 'warm-up' : `round ${index}`}: ${round(micros(long.cpu, short.cpu), 1)} µs per delta, ` +
        `system ${round(micros(long.system, short.system), 1)} µs (load ${currentLoad()})`,
    );
    if (index > 0) {
      perDelta.push(micros(long.cpu, short.cpu));
      systemPerDelta.push(micros(long.system, short.system));
    }
  }
  console.log(
    `bare TCP relay CPU per delta: ${round(median(perDelta), 1)} µs, of which system ${round(median(systemPerDelta), 1)} µs ` +
      `(medians of ${perDelta.length} rounds, ${streams} streams at a time, ${delayMs} ms pacing)`,
  );
  child.kill();
  upstream.close();
}
