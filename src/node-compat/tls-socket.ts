/**
 * `TLSSocket` of typetls/node-compat: node:tls' socket API over the typetls engine. It extends
 * typetls' `TlsSocket` (a `stream.Duplex` driving the sans-I/O engine) with node:tls' members:
 * `authorized`/`authorizationError` with Node's codes, `alpnProtocol`, `servername`, the
 * certificate, cipher and session getters, exporters, and the `net.Socket` members clients call
 * (delegated to the transport). It is not an `instanceof net.Socket`.
 */
import { Buffer } from 'node:buffer';
import type { X509Certificate } from 'node:crypto';
import { isIP, Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ClientConnection } from '../core/client/connection.ts';
import { createClientConfig, type CertifiedKey, type ClientCertificateRequest } from '../core/client/config.ts';
import type { TlsConnection } from '../core/conn/api.ts';
import { isTlsError } from '../core/errors.ts';
import { ServerConnection } from '../core/server/connection.ts';
import { createServerConfig, type ClientHelloInfo } from '../core/server/config.ts';
import { TlsSocket } from '../node/socket.ts';
import { normalizeAlpn } from './alpn.ts';
import { moduleObject, type PeerCertificate } from './binding.ts';
import { opensslCipherName, sigalgName } from './ciphers.ts';
import { EXPECT_FUNCTION, EXPECT_NUMBER, EXPECT_OBJECT, EXPECT_STRING, invalidArgType, nodeError, nodeTypeError, toNodeError } from './node-errors.ts';
import { legacyCertificate, x509 } from './peer-certificate.ts';
import { SecureContext, type SecureContextOptions } from './secure-context.ts';
import { CompatClientVerifier, CompatServerVerifier, type VerifyOutcome } from './verifier.ts';
import { decodeClientSession, encodeClientSession, type ClientSession } from '../core/client/session-store.ts';
import type { Ticketer } from '../core/server/ticketer.ts';
import { CompatClientSessions, CompatServerConnection, CompatServerSessions, type SessionEventTarget } from './sessions.ts';

/** node:tls `ALPNCallback`: the protocol to use from the client's list, or undefined to refuse (no_application_protocol). */
export type ALPNCallback = (info: { servername: string | undefined; protocols: string[] }) => string | undefined;

/** node:tls server `'OCSPRequest'` listener arguments' callback. */
type OcspDone = (err: Error | null, response?: Uint8Array | null) => void;

/** What the tls.Server gives its sockets for resumption (internal). */
export interface ServerSessions {
  /** The server's ticketer (keyed by its ticketKeys). */
  readonly ticketer: Ticketer;
  /** Where 'newSession'/'resumeSession' are emitted. */
  readonly events: SessionEventTarget;
  /** node's `sessionTimeout` (seconds; unset: 7200, as OpenSSL under node:tls): the lifetime of the sessions and tickets issued. */
  readonly lifetimeSeconds: number;
}

/** @internal */
export const kServerSessions = Symbol('typetls.compat.sessions');

/** node:tls `SNICallback`. */
export type SNICallback = (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => void;

/** Options of `new TLSSocket(socket, options)` (node:tls names). */
export interface TLSSocketOptions extends SecureContextOptions {
  isServer?: boolean;
  /** The `tls.Server` this socket belongs to (server side: 'keylog' is emitted there). */
  server?: { emit(event: string, ...args: unknown[]): boolean; listenerCount(event: string): number };
  /** Server: chooses the ALPN protocol (exclusive with ALPNProtocols). */
  ALPNCallback?: ALPNCallback;
  secureContext?: SecureContext;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  ALPNProtocols?: readonly (string | Uint8Array)[] | Uint8Array;
  SNICallback?: SNICallback;
  session?: Uint8Array;
  requestOCSP?: boolean;
  enableTrace?: boolean;
  allowHalfOpen?: boolean;
  highWaterMark?: number;
  /** Server side: fail the handshake with ERR_TLS_HANDSHAKE_TIMEOUT after this many ms (0: never). */
  handshakeTimeout?: number;
}

/** What `connect()` adds to the options (internal). */
export interface ClientSetup {
  /** The name `checkServerIdentity` gets (servername, else host). */
  readonly hostname: string;
  /** The SNI name to send, or null (IP literals, `servername: ''`). */
  readonly sni: string | null;
  readonly checkServerIdentity: (hostname: string, cert: PeerCertificate) => Error | undefined;
}

/** @internal */
export const kClientSetup = Symbol('typetls.compat.client');

/** Per-socket facts the engine callbacks record before the socket object exists. */
class SocketState {
  socket: TLSSocket | null = null;
  readonly outcome: VerifyOutcome = { failure: null, engineError: null, checked: false };
  localCertificate: CertifiedKey | null = null;
  peerSigalgs: readonly number[] = [];
  ourSigalgs: readonly number[] = [];
  server: TLSSocketOptions['server'] | null = null;
  /** The newest session received (client), encoded for getSession(); secret. */
  session: Buffer | null = null;
  /** The ticket of the newest session (getTLSTicket()), or null. */
  ticket: Uint8Array | null = null;
  /** A 'session' event held until 'secureConnect' (TLS 1.2 sessions are made during the handshake). */
  pendingSession: Buffer | null = null;
  /** Client: the session offered in the ClientHello (connect({ session }) / setSession()). */
  clientSessions: CompatClientSessions | null = null;
  /** Server: the SNI name seen (for ALPNCallback). */
  serverName: () => string | null = () => null;

  newSession(session: ClientSession): void {
    const buf = Buffer.from(encodeClientSession(session));
    this.session = buf;
    this.ticket = session.ticket;
    const s = this.socket;
    // node:tls emits 'session' for every TLS 1.3 ticket (after the handshake) and for a TLS 1.2
    // session right after 'secureConnect'.
    if (s === null || !s._sessionEvents) this.pendingSession = buf;
    else s.emit('session', buf);
  }

  keyLog(line: string): void {
    const s = this.socket;
    if (s === null) return;
    // node:tls emits each NSS key log line with its newline, as a Buffer.
    const buf = Buffer.from(line.endsWith('\n') ? line : `${line}\n`, 'latin1');
    const server = this.server;
    if (server !== null && server !== undefined) {
      if (server.listenerCount('keylog') > 0) server.emit('keylog', buf, s);
    } else if (s.listenerCount('keylog') > 0) {
      s.emit('keylog', buf);
    }
  }
}

interface Prepared {
  connection: TlsConnection;
  transport: Duplex;
  context: SecureContext;
  isServer: boolean;
  requestCert: boolean;
  sni: string | null;
  allowHalfOpen: boolean;
  highWaterMark: number | undefined;
}

function validateSocketOptions(o: TLSSocketOptions): void {
  if (o.SNICallback !== undefined && typeof o.SNICallback !== 'function') throw invalidArgType('options.SNICallback', EXPECT_FUNCTION, o.SNICallback);
  if (o.handshakeTimeout !== undefined && typeof o.handshakeTimeout !== 'number') throw invalidArgType('options.handshakeTimeout', EXPECT_NUMBER, o.handshakeTimeout);
  // node:tls passes options.session straight to the handle: a string is refused there too.
  if (o.session !== undefined && o.session !== null && !ArrayBuffer.isView(o.session)) {
    throw nodeTypeError('ERR_INVALID_ARG_TYPE', 'Session must be a buffer');
  }
  if (o.ALPNCallback !== undefined && o.ALPNCallback !== null && typeof o.ALPNCallback !== 'function') throw invalidArgType('options.ALPNCallback', EXPECT_FUNCTION, o.ALPNCallback);
  if (o.enableTrace === true) throw nodeError('ERR_TYPETLS_UNSUPPORTED_OPTION', 'typetls/node-compat: option "enableTrace" is not supported (OpenSSL tracing); use the "keylog" event and a packet capture');
}

/**
 * A session Buffer from `getSession()` / the 'session' event, or null. node:tls ignores bytes
 * that are not a session (d2i_SSL_SESSION fails: a full handshake, no error), and so do we.
 */
function decodeGivenSession(v: ArrayBufferView): ClientSession | null {
  try {
    return decodeClientSession(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  } catch {
    return null;
  }
}

function prepare(socket: Duplex | undefined, o: TLSSocketOptions, client: ClientSetup | undefined, state: SocketState): Prepared {
  if (typeof o !== 'object' || o === null) throw invalidArgType('options', EXPECT_OBJECT, o);
  validateSocketOptions(o);
  const transport = socket ?? new NetSocket({ allowHalfOpen: true });
  const context = o.secureContext ?? moduleObject().createSecureContext(o);
  if (!(context instanceof SecureContext)) throw nodeTypeError('ERR_TLS_INVALID_CONTEXT', 'context must be a SecureContext');
  const isServer = o.isServer === true;
  const alpn = normalizeAlpn(o.ALPNProtocols);
  const keyLog = (line: string): void => state.keyLog(line);
  const common = {
    provider: context.provider,
    keyLog,
    minVersion: context.minVersion,
    maxVersion: context.maxVersion,
    ...(context.cipherSuites !== undefined ? { cipherSuites: context.cipherSuites } : {}),
    ...(context.groups !== undefined ? { groups: context.groups } : {}),
    ...(alpn !== undefined ? { alpnProtocols: alpn } : {}),
  };
  const rejectUnauthorized = o.rejectUnauthorized !== false;
  const base = { transport, context, isServer, allowHalfOpen: o.allowHalfOpen === true, highWaterMark: o.highWaterMark };
  if (!isServer) {
    const setup: ClientSetup = client ?? { hostname: 'localhost', sni: null, checkServerIdentity: moduleObject().checkServerIdentity };
    const verifier = new CompatServerVerifier({ context, hostname: setup.hostname, checkServerIdentity: setup.checkServerIdentity, rejectUnauthorized, outcome: state.outcome });
    state.ourSigalgs = verifier.supportedSchemes();
    const engineName = setup.sni ?? setup.hostname;
    // A resumed handshake shows no certificate (RFC 8446 §2.2): the stored chain is checked again
    // now, as node reports the original verification; a chain that fails now is not offered
    // when rejectUnauthorized (a full handshake verifies afresh).
    const sessions = new CompatClientSessions((s) => state.newSession(s), (s) => {
      const [endEntity, ...intermediates] = s.peerCertificates;
      if (endEntity === undefined) return false;
      try {
        verifier.verifyServerCertificate({ endEntity, intermediates, serverName: { kind: 'dns', name: engineName }, ocspResponse: null, now: Date.now() });
        return true;
      } catch {
        state.outcome.failure = null;
        state.outcome.engineError = null;
        state.outcome.checked = false;
        return false;
      }
    });
    sessions.setSession(o.session === undefined || o.session === null ? null : decodeGivenSession(o.session));
    // The ClientHello is built where node:tls starts the handshake: when the transport connects
    // (connect()), or at the first write on a client made with `new TLSSocket()`; until then
    // setSession() still counts.
    if (client === undefined || (transport as { connecting?: boolean }).connecting === true) sessions.defer();
    state.clientSessions = sessions;
    const config = createClientConfig({
      ...common,
      verifier,
      sessionStore: sessions,
      // OpenSSL clients offer session_ticket (RFC 5077 §3.2) unless SSL_OP_NO_TICKET.
      tls12SessionTickets: !context.noTicket,
      requestOcsp: o.requestOCSP === true,
      enableSni: setup.sni !== null,
      resolveClientCertificate: (req: ClientCertificateRequest) => {
        state.peerSigalgs = req.signatureSchemes;
        const c = context.certificates.find((k) => k.key.chooseScheme(req.signatureSchemes) !== null) ?? null;
        state.localCertificate = c;
        return c;
      },
    });
    return { ...base, connection: new ClientConnection(config, engineName), requestCert: false, sni: setup.sni };
  }
  state.server = o.server ?? null;
  const requestCert = o.requestCert === true;
  const clientVerifier = requestCert ? new CompatClientVerifier(context, rejectUnauthorized, state.outcome) : null;
  state.ourSigalgs = context.sigalgs ?? context.provider.signatures.supportedSchemes;
  const sni = o.SNICallback;
  const server = o.server;
  const given = (o as { [kServerSessions]?: ServerSessions })[kServerSessions];
  const sessions = given === undefined ? null : new CompatServerSessions(given.events, given.ticketer, (err) => state.socket?.destroy(err), !context.noTicket);
  const alpnCallback = o.ALPNCallback ?? undefined;
  const config = createServerConfig({
    ...common,
    clientVerifier,
    // TLS 1.3 tickets stay stateless (as OpenSSL's); the store holds TLS 1.2 session ids.
    ...(sessions !== null ? { ticketer: sessions.ticketer, sessionStore: sessions.store, tls13SessionStore: false } : {}),
    // SSL_OP_NO_TICKET: no RFC 5077 tickets; TLS 1.2 resumes by session id ('newSession' cache).
    tls12Tickets: !context.noTicket,
    // OpenSSL under node:tls sends no NewSessionTicket after a resumed TLS 1.3 handshake.
    ticketsAfterResumption: 0,
    // RFC 8446 §4.6.1 ticket_lifetime (at most 7 days); node's sessionTimeout 0 becomes 1 second.
    ...(given !== undefined ? { ticketLifetimeSeconds: Math.min(604800, Math.max(1, given.lifetimeSeconds)) } : {}),
    ...(alpnCallback !== undefined && alpnCallback !== null ? {
      // node:tls ALPNCallback({ servername, protocols }) -> protocol | undefined (refuse).
      selectAlpn: (offered: string[]) => alpnCallback({ servername: state.serverName() ?? undefined, protocols: offered }),
    } : {}),
    resolveCertificate: (hello: ClientHelloInfo) => {
      state.peerSigalgs = hello.signatureSchemes;
      const pick = (ctx: SecureContext): CertifiedKey | null | Promise<CertifiedKey | null> => {
        const c = ctx.certificates.find((k) => k.key.chooseScheme(hello.signatureSchemes) !== null) ?? null;
        state.localCertificate = c;
        // node:tls 'OCSPRequest'(certificate, issuer, cb): only when the client asked (status_request).
        if (c === null || hello.ocspRequested !== true || server === undefined || server.listenerCount('OCSPRequest') === 0) return c;
        return new Promise<CertifiedKey | null>((resolve, reject) => {
          const done: OcspDone = (err, response) => {
            if (err) reject(err);
            else resolve(response === undefined || response === null || response.byteLength === 0 ? c : { ...c, ocspResponse: new Uint8Array(response.buffer, response.byteOffset, response.byteLength).slice() });
          };
          const issuer = c.chain[1];
          server.emit('OCSPRequest', Buffer.from(c.chain[0]!), issuer === undefined ? null : Buffer.from(issuer), done);
        });
      };
      // node:tls calls SNICallback only when the client sent server_name.
      if (sni === undefined || hello.serverName === null) return pick(context);
      const name = hello.serverName;
      return new Promise<CertifiedKey | null>((resolve, reject) => {
        sni(name, (err, ctx) => {
          if (err) reject(err);
          else Promise.resolve(pick(ctx instanceof SecureContext ? ctx : context)).then(resolve, reject);
        });
      });
    },
  });
  const connection = sessions !== null && sessions.store !== null ? new CompatServerConnection(config, sessions) : new ServerConnection(config);
  state.serverName = () => connection.serverName;
  return { ...base, connection, requestCert, sni: null };
}

/**
 * node:tls' `TLSSocket`. `new TLSSocket(socket, { isServer: true, secureContext })` wraps an
 * accepted socket (STARTTLS); client sockets come from `connect()` (a client made with the
 * constructor starts its handshake at its first write, as node:tls, with SNI off and `localhost`
 * as the name, and emits 'secure' as well as 'secureConnect').
 */
export class TLSSocket extends TlsSocket {
  /** The peer's certificate chain verified and its name matched (client); the client certificate verified (server, `requestCert`). */
  authorized = false;
  /** Why not: Node's code (`DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...) or message; null when authorized. */
  authorizationError: string | null = null;
  /** Client: the SNI name sent, or false; server: the name the client sent, or false. Null while handshaking. */
  servername: string | false | null = null;
  /** The peer closed the transport after the handshake without close_notify (node:tls ends the stream normally). */
  truncated = false;
  /** The tls.Server this socket was accepted by (server side). */
  readonly server: unknown;
  /** @internal */ readonly _compat: SocketState;
  /** @internal */ readonly _context: SecureContext;
  /** @internal */ readonly _isServer: boolean;
  /** @internal */ readonly _requestCert: boolean;
  /** @internal */ readonly _requestOcsp: boolean;
  /** @internal */ _alpn: string | false | null = null;
  /** @internal */ _bytesWritten = 0;
  /** @internal 'secureConnect' was emitted: 'session' events go out at once. */
  _sessionEvents = false;
  /** @internal Made by `new TLSSocket()` as a client (not by connect()): node:tls emits 'secure' too. */
  private readonly manualClient: boolean;
  private readonly sni: string | null;
  private hsTimer: ReturnType<typeof setTimeout> | null = null;
  private timeoutForwarding = false;

  constructor(socket?: Duplex, options: TLSSocketOptions = {}) {
    const state = new SocketState();
    const client = (options as { [kClientSetup]?: ClientSetup })[kClientSetup];
    const p = prepare(socket, options, client, state);
    super({
      connection: p.connection, transport: p.transport, allowHalfOpen: p.allowHalfOpen, handshakeTimeout: 0,
      ...(p.highWaterMark !== undefined ? { highWaterMark: p.highWaterMark } : {}),
    });
    state.socket = this;
    this._compat = state;
    this._context = p.context;
    this._isServer = p.isServer;
    this._requestCert = p.requestCert;
    this._requestOcsp = !p.isServer && options.requestOCSP === true;
    this.sni = p.sni;
    this.server = options.server;
    const t = options.handshakeTimeout ?? 0;
    if (t > 0) {
      this.hsTimer = setTimeout(onCompatHandshakeTimeout, t, this);
      this.hsTimer.unref?.();
    }
    p.transport.once('connect', forwardConnect.bind(this));
    this.manualClient = !p.isServer && client === undefined;
    // node:tls starts a connect() handshake when the transport connects (tls.connect's
    // `_start`); a client made with the constructor starts at its first write (see _write).
    const cs = state.clientSessions;
    if (cs !== null && cs.waiting && client !== undefined) p.transport.once('connect', cs.start.bind(cs));
  }

  /** Starts a deferred client handshake (node: the first SSL_write starts it). */
  private startHandshake(): void {
    const cs = this._compat.clientSessions;
    if (cs !== null && cs.waiting) cs.start();
  }


  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if ((event === 'secureConnect' || event === 'secure') && this._alpn === null) {
      this.finishHandshake();
      // node:tls (requestOCSP): 'OCSPResponse' with the stapled DER, or null, before secureConnect.
      if (event === 'secureConnect' && this._requestOcsp) {
        const r = this.connection.negotiated?.ocspResponse ?? null;
        super.emit('OCSPResponse', r === null ? null : Buffer.from(r));
      }
    }
    if (event !== 'secureConnect') return super.emit(event, ...args);
    const handled = super.emit(event, ...args);
    if (this.manualClient) super.emit('secure');
    // node:tls: a TLS 1.2 session's 'session' event follows 'secureConnect'.
    this._sessionEvents = true;
    const pending = this._compat.pendingSession;
    this._compat.pendingSession = null;
    if (pending !== null && !this.destroyed) super.emit('session', pending);
    return handled;
  }

  /** Sets `authorized`, `authorizationError`, `alpnProtocol`, `servername` (node:tls onConnectSecure / onServerSocketSecure). */
  private finishHandshake(): void {
    if (this.hsTimer !== null) {
      clearTimeout(this.hsTimer);
      this.hsTimer = null;
    }
    const n = this.connection.negotiated;
    this._alpn = n?.alpn ?? false;
    const o = this._compat.outcome;
    if (!this._isServer) {
      this.servername = this.sni ?? false;
      this.authorized = o.failure === null && o.checked;
      this.authorizationError = o.failure === null ? (o.checked ? null : 'UNABLE_TO_GET_ISSUER_CERT') : nodeCode(o.failure);
      return;
    }
    this.servername = (this.connection as ServerConnection).serverName ?? false;
    if (this._requestCert) {
      if (o.failure !== null) this.authorizationError = nodeCode(o.failure);
      // No certificate sent (allowed with rejectUnauthorized: false): OpenSSL's verify result.
      else if (!o.checked) this.authorizationError = 'UNABLE_TO_GET_ISSUER_CERT';
      else this.authorized = true;
    }
  }

  override destroy(error?: Error): this {
    if (this.hsTimer !== null) {
      clearTimeout(this.hsTimer);
      this.hsTimer = null;
    }
    let e = error;
    if (e !== undefined && e !== null && isTlsError(e) && e.code === 'ERR_TLS_CLOSED' && this._secureEstablished && this._transportEnded && !this._peerClosed) {
      // node:tls treats TCP FIN without close_notify as a clean end (Node's own server often
      // sends none, e.g. `socket.end(data)` right after the handshake). Faithful to Node, the
      // readable side ends normally; `truncated` records that close_notify was missing
      // (RFC 8446 §6.1: the data may have been cut short).
      this.truncated = true;
      if (!this.readableEnded) this.push(null);
      return this;
    }
    if (e !== undefined && e !== null && isTlsError(e)) {
      const o = this._compat.outcome;
      // A certificate we rejected: the error node:tls gives (DEPTH_ZERO_SELF_SIGNED_CERT, ...).
      if (o.failure !== null && o.engineError !== null && e.code === o.engineError.code) e = o.failure;
      else e = toNodeError(e, !this._secureEstablished);
    }
    return e === undefined ? super.destroy() : super.destroy(e);
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this._bytesWritten += chunk.length;
    this.startHandshake();
    super._write(chunk, encoding, callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>, callback: (err?: Error | null) => void): void {
    for (const c of chunks) this._bytesWritten += c.chunk.length;
    this.startHandshake();
    // The base class batches chunks when it has a _writev; otherwise they go as one write.
    const base = (TlsSocket.prototype as { _writev?: TLSSocket['_writev'] | null })._writev;
    if (typeof base === 'function') base.call(this, chunks, callback);
    else super._write(Buffer.concat(chunks.map((c) => c.chunk)), 'latin1', callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.startHandshake();
    super._final(callback);
  }

  // ---- certificates ----

  /**
   * node:tls `getPeerCertificate(detailed)`: the legacy object (subject, issuer, subjectaltname,
   * valid_from/valid_to, fingerprints, serialNumber, raw, pubkey, bits/modulus/exponent or
   * asn1Curve/nistCurve, ...); with `detailed`, the `issuerCertificate` chain. `{}` when the
   * peer sent none; null once the socket is destroyed.
   */
  getPeerCertificate(detailed = false): PeerCertificate | null {
    const n = this.connection.negotiated;
    if (n === null) return this.destroyed ? null : {};
    return legacyCertificate(n.peerCertificates, this._context.rootCertificates(), detailed) ?? {};
  }

  /** The peer's certificate as an `X509Certificate`, or undefined. */
  getPeerX509Certificate(): X509Certificate | undefined {
    const der = this.connection.negotiated?.peerCertificates[0];
    return der === undefined ? undefined : x509(der);
  }

  /** Our certificate (the one sent in this handshake) as the legacy object; `{}` when none. */
  getCertificate(): PeerCertificate | null {
    const c = this._compat.localCertificate;
    if (c === null) return this.destroyed ? null : {};
    return legacyCertificate(c.chain, [], false);
  }

  /** Our certificate as an `X509Certificate`, or undefined. */
  getX509Certificate(): X509Certificate | undefined {
    const der = this._compat.localCertificate?.chain[0];
    return der === undefined ? undefined : x509(der);
  }

  // ---- negotiated parameters ----

  /**
   * `'TLSv1.3'` / `'TLSv1.2'` once negotiated; null once destroyed before completion. Before
   * that, as node:tls (OpenSSL's version field): the context's maxVersion once the transport is
   * connected (the handshake has begun), `'TLSv1.3'` while it is still connecting.
   */
  getProtocol(): string | null {
    const n = this.connection.negotiated;
    if (n !== null) return n.protocolVersion;
    if (this.destroyed) return null;
    return (this.transport as { connecting?: boolean }).connecting === true ? 'TLSv1.3' : this._context.maxVersion;
  }

  /** `{ name (OpenSSL), standardName (IANA), version }`, or undefined while handshaking. */
  getCipher(): { name: string; standardName: string; version: string } | undefined {
    const n = this.connection.negotiated;
    if (n === null) return undefined;
    return { name: opensslCipherName(n.cipherSuite), standardName: n.cipherSuite, version: n.protocolVersion };
  }

  /** Client: `{ type: 'ECDH', name, size }` of the key exchange (OpenSSL names); `{}` when unknown; null on a server socket. */
  getEphemeralKeyInfo(): { type?: string; name?: string; size?: number } | null {
    if (this._isServer) return null;
    const g = this.connection.negotiated?.group;
    switch (g) {
      case 'x25519': return { type: 'ECDH', name: 'X25519', size: 253 };
      case 'secp256r1': return { type: 'ECDH', name: 'prime256v1', size: 256 };
      case 'secp384r1': return { type: 'ECDH', name: 'secp384r1', size: 384 };
      case 'secp521r1': return { type: 'ECDH', name: 'secp521r1', size: 521 };
      default: return {};
    }
  }

  /**
   * Signature algorithms both sides accept (OpenSSL's `ALG+HASH` names), in the peer's order.
   * Server: the client's signature_algorithms; client: the CertificateRequest's (empty without one).
   */
  getSharedSigalgs(): string[] {
    const ours = this._compat.ourSigalgs;
    return this._compat.peerSigalgs.filter((s) => ours.includes(s)).map(sigalgName);
  }

  /**
   * Client: the newest session, serialised: a TLS 1.2 session once the handshake is done, a
   * TLS 1.3 ticket once one arrives after it (see the 'session' event); undefined before and on
   * a server socket. SECRET: it holds the resumption PSK or master secret; pass it to
   * `connect({ session })` or `setSession()` to resume.
   */
  getSession(): Buffer | undefined {
    const s = this._compat.session;
    return s === null ? undefined : Buffer.from(s);
  }

  /** Client: the ticket (RFC 5077 / RFC 8446 §4.6.1) of the newest session, or undefined (none, or a session id only). */
  getTLSTicket(): Buffer | undefined {
    const t = this._compat.ticket;
    return t === null ? undefined : Buffer.from(t);
  }

  /** True when this handshake resumed a session (RFC 8446 §2.2 PSK). */
  isSessionReused(): boolean {
    return this.connection.negotiated?.resumed ?? false;
  }

  /**
   * Client: the session to offer (a Buffer from `getSession()` / 'session'; a string is read as
   * latin1), as node:tls: it counts until the handshake starts (the transport connects for
   * connect(), the first write for `new TLSSocket()`), later it has no effect. Bytes that are not
   * a session, or a session for another version or suite, just mean a full handshake.
   * @throws TypeError ERR_INVALID_ARG_TYPE ('Session must be a buffer') for other types.
   */
  setSession(session: Uint8Array | string): void {
    const v: unknown = typeof session === 'string' ? Buffer.from(session, 'latin1') : session;
    if (!ArrayBuffer.isView(v)) throw nodeTypeError('ERR_INVALID_ARG_TYPE', 'Session must be a buffer');
    this._compat.clientSessions?.setSession(decodeGivenSession(v));
  }

  /**
   * RFC 5705 / RFC 8446 §7.5 keying material exporter, as node:tls'.
   * @throws TypeError ERR_INVALID_ARG_TYPE for bad arguments; the engine's error before the handshake completes.
   */
  exportKeyingMaterial(length: number, label: string, context?: Uint8Array): Buffer {
    if (typeof length !== 'number') throw invalidArgType('length', EXPECT_NUMBER, length);
    if (typeof label !== 'string') throw invalidArgType('label', EXPECT_STRING, label);
    if (context !== undefined && !ArrayBuffer.isView(context)) throw invalidArgType('context', 'an instance of Buffer, TypedArray, or DataView', context);
    const ctx = context === undefined ? null : new Uint8Array(context.buffer, context.byteOffset, context.byteLength);
    const out = this.connection.exportKeyingMaterial(label, ctx, length);
    return Buffer.from(out.buffer, out.byteOffset, out.length);
  }

  /**
   * The verify_data of the Finished message we sent (RFC 5929 tls-unique on TLS 1.2; RFC 9266
   * prefers exportKeyingMaterial for TLS 1.3), or undefined before it is sent.
   */
  getFinished(): Buffer | undefined {
    const f = (this.connection as unknown as { finished?: Uint8Array | null }).finished ?? null;
    return f === null ? undefined : Buffer.from(f);
  }

  /** The verify_data of the peer's Finished message, or undefined before it arrives. */
  getPeerFinished(): Buffer | undefined {
    const f = (this.connection as unknown as { peerFinished?: Uint8Array | null }).peerFinished ?? null;
    return f === null ? undefined : Buffer.from(f);
  }

  /**
   * Caps the plaintext per record we send (512..16384, as node:tls). Applies to records sent from
   * now on; a smaller record_size_limit from the peer still wins.
   */
  setMaxSendFragment(size: number): boolean {
    if (typeof size !== 'number') throw invalidArgType('size', EXPECT_NUMBER, size);
    if (!Number.isInteger(size) || size < 512 || size > 16384) return false;
    const c = this.connection as unknown as { setPeerRecordSizeLimit?: (limit: number) => void };
    if (typeof c.setPeerRecordSizeLimit !== 'function') return false;
    // The engine's fragment cap: min(config maxFragmentSize, limit - 1) (RFC 8449 arithmetic).
    c.setPeerRecordSizeLimit(size + 1);
    return true;
  }

  /**
   * Renegotiation is never done (RFC 8446 has none; typetls refuses it in TLS 1.2 as rustls):
   * returns false and calls back with Node's error for the version.
   */
  renegotiate(options: object, callback?: (err: Error | null) => void): boolean | undefined {
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', EXPECT_OBJECT, options);
    if (callback !== undefined && typeof callback !== 'function') throw invalidArgType('callback', EXPECT_FUNCTION, callback);
    if (this.destroyed) return undefined;
    const err = this.connection.negotiated?.protocolVersion === 'TLSv1.2'
      ? nodeError('ERR_TLS_RENEGOTIATION_DISABLED', 'TLS session renegotiation disabled for this socket')
      : nodeError('ERR_SSL_WRONG_SSL_VERSION', 'error:0A00010A:SSL routines::wrong ssl version');
    if (callback !== undefined) process.nextTick(callback, err);
    return false;
  }

  /** A no-op: typetls never renegotiates. */
  disableRenegotiation(): void {}

  /** Unsupported: OpenSSL tracing. */
  enableTrace(): void {
    throw nodeError('ERR_TYPETLS_UNSUPPORTED_OPTION', 'typetls/node-compat: enableTrace() is not supported (OpenSSL tracing); use the "keylog" event and a packet capture');
  }

  /** Sets the SNI name before the handshake: unsupported here (give `servername` to connect()). */
  setServername(name: string): void {
    if (typeof name !== 'string') throw invalidArgType('name', EXPECT_STRING, name);
    throw nodeError('ERR_TYPETLS_UNSUPPORTED_OPTION', 'typetls/node-compat: setServername() is not supported; pass "servername" to connect()');
  }

  // ---- net.Socket members, delegated to the transport ----

  private get net(): Partial<NetSocket> {
    return this.transport as Partial<NetSocket>;
  }

  setKeepAlive(enable?: boolean, initialDelay?: number): this {
    this.net.setKeepAlive?.(enable, initialDelay);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.net.setNoDelay?.(noDelay);
    return this;
  }

  /** Idle timeout of the transport; emits 'timeout' (the socket stays open, as net.Socket). */
  setTimeout(msecs: number, callback?: () => void): this {
    if (typeof msecs !== 'number') throw invalidArgType('msecs', EXPECT_NUMBER, msecs);
    if (callback !== undefined) {
      if (msecs === 0) this.removeListener('timeout', callback);
      else this.once('timeout', callback);
    }
    if (typeof this.net.setTimeout === 'function') {
      if (!this.timeoutForwarding) {
        this.timeoutForwarding = true;
        this.transport.on('timeout', forwardTimeout.bind(this));
      }
      this.net.setTimeout(msecs);
    }
    return this;
  }

  ref(): this {
    this.net.ref?.();
    return this;
  }

  unref(): this {
    this.net.unref?.();
    return this;
  }

  address(): ReturnType<NetSocket['address']> | Record<string, never> {
    return this.net.address?.() ?? {};
  }

  /** Ends the writable side, then destroys once everything is flushed (net.Socket.destroySoon). */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', this.destroy.bind(this, undefined));
  }

  get localAddress(): string | undefined { return this.net.localAddress; }
  get localPort(): number | undefined { return this.net.localPort; }
  get remoteFamily(): string | undefined { return this.net.remoteFamily; }
  get connecting(): boolean { return this.net.connecting ?? false; }
  /** Plaintext bytes written by the application. */
  get bytesWritten(): number { return this._bytesWritten; }
  /** Bytes read from the transport (ciphertext). */
  get bytesRead(): number { return this.net.bytesRead ?? 0; }
  get readyState(): string {
    if (this.connecting) return 'opening';
    if (this.readable && this.writable) return 'open';
    if (this.readable) return 'readOnly';
    if (this.writable) return 'writeOnly';
    return 'closed';
  }
}

// node:tls: `alpnProtocol` is false when nothing was negotiated (typetls' TlsSocket says null);
// redefined at runtime so the base class keeps its declared type.
Object.defineProperty(TLSSocket.prototype, 'alpnProtocol', {
  get(this: TLSSocket): string | false | null {
    return this._alpn;
  },
  configurable: true,
  enumerable: false,
});

function nodeCode(e: Error): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : e.message;
}

function onCompatHandshakeTimeout(s: TLSSocket): void {
  if (!s.secure && !s.destroyed) s.destroy(nodeError('ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake timeout'));
}

function forwardTimeout(this: TLSSocket): void {
  this.emit('timeout');
}

function forwardConnect(this: TLSSocket): void {
  this.emit('connect');
}

/** True for IPv4/IPv6 literals (never sent as SNI: RFC 6066 §3). */
export function isIpLiteral(host: string): boolean {
  return isIP(host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host) !== 0;
}
