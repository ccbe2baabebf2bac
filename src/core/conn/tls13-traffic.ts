/**
 * The established TLS 1.3 connection's handshake-message handler (RFC 8446 §4.6): KeyUpdate on
 * both sides, NewSessionTicket on the client. Post-handshake client authentication is not
 * offered (we never send post_handshake_auth), so a CertificateRequest here is an
 * unexpected_message (§4.6.2), as in rustls.
 */
import { HandshakeType } from '../codec/codepoints.ts';
import type { HandshakeMessage } from '../codec/handshake.ts';
import { handshakeTypeName } from '../codec/handshake.ts';
import { decodeKeyUpdate } from '../codec/key-update.ts';
import { decodeNewSessionTicket, type NewSessionTicket } from '../codec/new-session-ticket.ts';
import type { Tls13CipherSuite } from '../crypto/provider.ts';
import { TlsProtocolError } from '../errors.ts';
import type { HandshakeContext } from './context.ts';
import { Tls13Exporter } from './exporter.ts';
import { type HandshakeState, type Step, withResult } from './state.ts';

/**
 * Receives each valid NewSessionTicket on the client (the resumption code stores it, RFC 8446
 * §4.6.1). The ticket's views alias the message buffer: copy what you keep. May return a Promise
 * (an async session store); the connection parks until it settles.
 */
export type TicketSink = (cx: HandshakeContext, ticket: NewSessionTicket, resumptionSecret: Uint8Array) => void | PromiseLike<void>;

/** RFC 8446 §4.6.1: "Servers MUST NOT use any value greater than 604800 seconds (7 days)". */
const MAX_TICKET_LIFETIME = 604800;

export class Tls13Traffic implements HandshakeState {
  readonly name = 'Tls13Traffic';
  readonly established = true;
  readonly side: 'client' | 'server';
  readonly suite: Tls13CipherSuite;
  /** For RFC 8446 §7.5 exporters. */
  readonly exporterSecret: Uint8Array;
  /**
   * For the client's tickets (§4.6.1); null when no `onTicket` takes them (the server makes its
   * tickets before this state, so an idle connection does not keep the secret).
   */
  readonly resumptionSecret: Uint8Array | null;
  /** Tickets received so far (client); bounded. */
  ticketsReceived: number;
  readonly onTicket: TicketSink | null;

  constructor(side: 'client' | 'server', suite: Tls13CipherSuite, exporterSecret: Uint8Array, resumptionSecret: Uint8Array, _peerTrafficSecret: Uint8Array, onTicket: TicketSink | null = null) {
    this.side = side;
    this.suite = suite;
    this.exporterSecret = exporterSecret;
    this.resumptionSecret = onTicket === null ? null : resumptionSecret;
    this.ticketsReceived = 0;
    this.onTicket = onTicket;
  }

  /**
   * RFC 8446 §7.5 exporter over `exporterSecret` (the connection's `exportKeyingMaterial`);
   * made on demand so that an idle connection holds only the secret.
   */
  get exporter(): Tls13Exporter {
    return new Tls13Exporter(this.suite.hash, this.exporterSecret);
  }

  handle(cx: HandshakeContext, m: HandshakeMessage): Step {
    switch (m.type) {
      case HandshakeType.KeyUpdate: {
        const ku = decodeKeyUpdate(m.body);
        cx.receivedKeyUpdate(ku.requestUpdate);
        return this;
      }
      case HandshakeType.NewSessionTicket: {
        if (this.side !== 'client') break;
        const t = decodeNewSessionTicket(m.body);
        if (t.ticketLifetime > MAX_TICKET_LIFETIME) {
          throw new TlsProtocolError('ERR_TLS_PEER_ILLEGAL_PARAMETER', `NewSessionTicket lifetime ${t.ticketLifetime} s exceeds the 604800 s maximum (RFC 8446 §4.6.1)`);
        }
        this.ticketsReceived++;
        if (this.onTicket === null || this.resumptionSecret === null) return this;
        return withResult(cx, this.onTicket(cx, t, this.resumptionSecret), () => this);
      }
      default:
        break;
    }
    throw new TlsProtocolError('ERR_TLS_PEER_UNEXPECTED_MESSAGE', `received ${handshakeTypeName(m.type)} after the handshake: expected KeyUpdate${this.side === 'client' ? ' or NewSessionTicket' : ''}`);
  }
}
