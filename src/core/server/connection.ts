/**
 * A server connection: the sans-I/O engine driving a TLS 1.3 server handshake.
 */
import { ConnectionCommon } from '../conn/common.ts';
import type { ServerConfig } from './config.ts';
import { ExpectClientHello } from './hello.ts';

/**
 * A TLS server connection. Feed it the client's bytes with `readTls`, then follow the driving
 * loop in `api.ts`.
 * @example
 * const conn = new ServerConnection(config);
 * conn.readTls(bytes); conn.processNewPackets(); socket.write(conn.writeTls()!);
 */
export class ServerConnection extends ConnectionCommon {
  readonly side = 'server' as const;
  readonly serverConfig: ServerConfig;

  constructor(config: ServerConfig) {
    super(config, 0x0303);
    this.serverConfig = config;
    this.start(() => ExpectClientHello.initial(config));
  }

  /** The SNI name the client sent, once its ClientHello was read (null if none). */
  get serverName(): string | null {
    return this.serverNameSeen;
  }
}
