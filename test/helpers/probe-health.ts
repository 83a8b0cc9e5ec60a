import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * The prober's program: `GET url` over one keep-alive connection, one request at a time, the
 * next one `intervalMs` after the previous answer (at once when that answer was late). Each
 * round trip is timed by the prober's own event loop, so a stall of the gateway shows as a slow
 * answer. Each line on stdin ends a lap: every probe of the lap, `[sent at (epoch ms), latency
 * (ms)]`, is printed as one JSON array. It exits when stdin closes.
 */
const PROBER = `
const http = require('node:http');
const [url, intervalMs] = [process.argv[1], Number(process.argv[2])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let latencies = [];
let ready = false;
const probe = () => {
  const started = performance.now();
  http.get(url, { agent }, (response) => {
    response.resume();
    response.on('end', () => {
      const ms = performance.now() - started;
      if (response.statusCode !== 200) { process.stderr.write('health answered ' + response.statusCode + '\\n'); process.exit(1); }
      latencies.push([Math.round(performance.timeOrigin + started), Math.round(ms * 100) / 100]);
      if (!ready) { ready = true; process.stderr.write('ready\\n'); }
      setTimeout(probe, Math.max(0, intervalMs - ms));
    });
  }).on('error', (error) => { process.stderr.write(String(error)); process.exit(1); });
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (let lines = text.split('\\n').length - 1; lines > 0; lines -= 1) {
    process.stdout.write(JSON.stringify(latencies) + '\\n');
    latencies = [];
  }
});
process.stdin.on('end', () => process.exit(0));
probe();
`;

/** One probe: when it was sent (epoch ms) and how long its answer took (ms). */
export type Probe = [sentAt: number, latencyMs: number];

/** A health prober running in its own process. */
export interface HealthProber {
  /** Resolves once the first answer came back. */
  readonly ready: Promise<void>;
  /**
   * Every probe since the start or the previous lap; the next lap starts now. Rejects once the
   * prober exited (an answer other than 200, a connection error).
   */
  lap(): Promise<Probe[]>;
  /** Ends the prober. */
  stop(): Promise<void>;
}

/**
 * Probes `url` (a health route) every `intervalMs` from a separate process: a measurement from
 * outside the gateway's process, over a real socket, as a load balancer would see it, keeping
 * every round trip. An answer other than 200 ends the prober (its lap then rejects).
 */
export function startHealthProber(url: string, intervalMs: number): HealthProber {
  const child = spawn(process.execPath, ['-e', PROBER, url, String(intervalMs)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const laps: Array<(probes: Probe[]) => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (let newline = output.indexOf('\n'); newline !== -1; newline = output.indexOf('\n')) {
      const line = output.slice(0, newline);
      output = output.slice(newline + 1);
      laps.shift()?.(JSON.parse(line) as Probe[]);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
    if (errors.includes('ready\n')) markReady();
  });
  const exited = once(child, 'exit');
  const failed = exited.then(() => {
    throw new Error(`the health prober exited: ${errors}`);
  });
  failed.catch(() => undefined);
  return {
    ready: Promise.race([ready, failed]),
    lap() {
      const lap = new Promise<Probe[]>((resolve) => {
        laps.push(resolve);
        child.stdin.write('\n');
      });
      return Promise.race([lap, failed]);
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
