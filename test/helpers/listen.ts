// Listening on an ephemeral loopback port and closing again, for tests with a net.Server.
import { once } from 'node:events';
import type { AddressInfo, Server } from 'node:net';

/** Listens on 127.0.0.1:0 and returns the port. */
export async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Closes the server (resolves once every connection has ended). */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((r) => server.close(() => r()));
}
