/**
 * A client connection: the sans-I/O engine driving a TLS 1.3 client handshake.
 */
import type { HandshakeContext } from '../conn/context.ts';
import { ConnectionCommon } from '../conn/common.ts';
import type { ClientConfig } from './config.ts';
import { startClientHandshake } from './hello.ts';
import { takeSession } from './resumption.ts';
import { getTls12Session } from './tls12-resumption.ts';
import { withResult } from '../conn/state.ts';

/**
 * A TLS client connection. It queues its ClientHello on construction: call `writeTls()` and
 * send the bytes, then follow the driving loop in `api.ts`.
 *
 * @param serverName the DNS name or IP literal the certificate must be valid for; a DNS name
 *   is also sent as SNI (unless `enableSni` is false).
 * @throws TlsError when the config cannot start a handshake or the name is malformed.
 * @example
 * const conn = new ClientConnection(config, 'example.com');
 * socket.write(conn.writeTls()!);
 */
export class ClientConnection extends ConnectionCommon {
  readonly side = 'client' as const;
  readonly clientConfig: ClientConfig;

  constructor(config: ClientConfig, serverName: string) {
    // RFC 8446 §5.1: the initial ClientHello may carry legacy_record_version 0x0301.
    super(config, 0x0301);
    this.clientConfig = config;
    // RFC 8446 §4.2.11: a ticket from the session store (possibly async) goes into ClientHello1.
    // A TLS 1.2 session (RFC 5246 §7.4.1.2) goes into legacy_session_id / session_ticket.
    this.start((cx: HandshakeContext) => withResult(cx, takeSession(config, serverName), (cx2, session) =>
      withResult(cx2, getTls12Session(config, serverName), (cx3, session12) => startClientHandshake(cx3, config, serverName, session, session12))));
  }
}
