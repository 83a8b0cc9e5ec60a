import { spawn } from 'node:child_process';
import { once } from 'node:events';

/** What a health prober measured in one lap: how many answers, and the slowest round trip in ms. */
export interface HealthProbeResult {
  answers: number;
  slowestMs: number;
}

/** A health prober running in its own process. */
export interface HealthProbe {
  /** Resolves once the first answer came back (the prober is measuring). */
  readonly ready: Promise<void>;
  /** What was measured since the start or the previous lap; the next lap starts now. */
  lap(): Promise<HealthProbeResult>;
  /** Ends the prober. */
  stop(): Promise<void>;
}

/**
 * The prober's program: `GET url` over one keep-alive connection, every few milliseconds, each
 * round trip timed by its own event loop (so a stall of the gateway's loop shows as a slow
 * answer, not as a late send). Each line on stdin ends a lap: the lap's result is printed as
 * one JSON line. It exits when stdin closes.
 */
const PROBER = `
const http = require('node:http');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let answers = 0, slowestMs = 0, total = 0;
const probe = () => {
  const started = performance.now();
  http.get(process.argv[1], { agent }, (response) => {
    response.resume();
    response.on('end', () => {
      const ms = performance.now() - started;
      if (response.statusCode === 200) { answers += 1; total += 1; }
      if (ms > slowestMs) slowestMs = ms;
      if (total === 1) process.stderr.write('ready\\n');
      setTimeout(probe, 5);
    });
  }).on('error', (error) => { process.stderr.write(String(error)); process.exit(1); });
};
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  for (let lines = text.split('\\n').length - 1; lines > 0; lines -= 1) {
    process.stdout.write(JSON.stringify({ answers, slowestMs }) + '\\n');
    answers = 0;
    slowestMs = 0;
  }
});
process.stdin.on('end', () => process.exit(0));
probe();
`;

/**
 * Starts probing `url` (a health route) from a separate process: a measurement from outside the
 * gateway's process, over a real socket, as a load balancer would see it.
 */
export function startHealthProbe(url: string): HealthProbe {
  const child = spawn(process.execPath, ['-e', PROBER, url], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  const laps: Array<(result: HealthProbeResult) => void> = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (let newline = output.indexOf('\n'); newline !== -1; newline = output.indexOf('\n')) {
      const line = output.slice(0, newline);
      output = output.slice(newline + 1);
      laps.shift()?.(JSON.parse(line) as HealthProbeResult);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
    if (errors.includes('ready\n')) markReady();
  });
  const exited = once(child, 'exit');
  return {
    ready: Promise.race([
      ready,
      exited.then(() => {
        throw new Error(`the health prober exited: ${errors}`);
      }),
    ]),
    lap() {
      return new Promise((resolve) => {
        laps.push(resolve);
        child.stdin.write('\n');
      });
    },
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}
