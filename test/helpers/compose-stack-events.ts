import { spawn } from 'node:child_process';

/** A container event of a Compose project: which service, what (`start`, `die`, `health_status: healthy`), when. */
export interface StackEvent {
  service: string;
  action: string;
  /** Nanoseconds since the epoch, as the engine stamped it. */
  at: bigint;
}

/** The events `watchStackEvents` collects, until stopped. */
export interface StackEventWatch {
  /** Stops watching (idempotent) and returns every event seen, in order. */
  stop(): StackEvent[];
}

/**
 * Follows `docker events` for the containers of Compose project `name` from now on: starts,
 * exits and health changes. A stream, not a query afterwards: the engine keeps only its last 256
 * events, and health checks every second fill that within a minute.
 */
export function watchStackEvents(name: string): StackEventWatch {
  const seen: StackEvent[] = [];
  const filters = [
    `label=com.docker.compose.project=${name}`,
    'type=container',
    'event=start',
    'event=die',
    'event=health_status',
  ];
  const since = String((Date.now() - 1000) / 1000);
  const child = spawn(
    'docker',
    [
      'events',
      '--since',
      since,
      ...filters.flatMap((filter) => ['--filter', filter]),
      '--format',
      '{{json .}}',
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.filter(Boolean)) {
      const event = JSON.parse(line) as { Action: string; Actor: { Attributes: Record<string, string> } };
      // timeNano exceeds a double's integer precision: read from the text.
      const at = BigInt(/"timeNano":(\d+)/.exec(line)?.[1] ?? '0');
      seen.push({
        service: event.Actor.Attributes['com.docker.compose.service'] ?? '',
        action: event.Action,
        at,
      });
    }
  });
  return {
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
      return [...seen];
    },
  };
}
