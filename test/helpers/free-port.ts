import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A port of 127.0.0.1 that was free a moment ago: for a server whose own URL must be known
 * before it starts (an audience naming it). Another process could take it in between; on this
 * test machine nothing else binds loopback ports by number.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
