import { connect, type Socket } from 'node:net';

/** Options of `startSlowSocketFlood`. */
export interface SlowSocketFloodOptions {
  host: string;
  port: number;
  /** The source address of every socket of the flood. */
  localAddress: string;
  /** How many sockets the flood keeps open (or trying to open) at any time. */
  sockets: number;
  /** What each socket sends once connected, in turn: it then sends nothing more. */
  openings: readonly string[];
}

/** A running flood of slow sockets from one address. */
export interface SlowSocketFlood {
  /** Connections opened so far (each closed one is replaced by a new one). */
  opened(): number;
  /** Sockets connected and not closed yet. */
  connected(): number;
  /** Destroys every socket and opens no more; idempotent. */
  stop(): void;
}

/**
 * Keeps `sockets` connections from `localAddress` to `host:port`, each of which sends one of
 * `openings` (partial headers, headers and the start of a body, or nothing) and then stalls;
 * every connection that closes, fails or is refused is replaced at once by a new one.
 */
export function startSlowSocketFlood(options: SlowSocketFloodOptions): SlowSocketFlood {
  const live = new Set<Socket>();
  let opened = 0;
  let connected = 0;
  let stopped = false;
  const open = (): void => {
    if (stopped) return;
    const opening = options.openings[opened % options.openings.length] ?? '';
    opened += 1;
    const socket = connect({ host: options.host, port: options.port, localAddress: options.localAddress });
    let isConnected = false;
    live.add(socket);
    socket.once('connect', () => {
      isConnected = true;
      connected += 1;
      if (opening !== '') socket.write(opening);
    });
    // The flood never reads answers: it only holds the connection.
    socket.pause();
    socket.on('error', () => undefined);
    socket.once('close', () => {
      live.delete(socket);
      if (isConnected) connected -= 1;
      // Replaced on the next turn of the loop, so that a refusing server is not spun on.
      setImmediate(open);
    });
  };
  for (let index = 0; index < options.sockets; index += 1) open();
  return {
    opened: () => opened,
    connected: () => connected,
    stop() {
      stopped = true;
      for (const socket of live) socket.destroy();
      live.clear();
    },
  };
}
