/**
 * node:tls `Server` / `createServer()`: a `net.Server` whose connections become compat
 * `TLSSocket`s. Events: 'secureConnection'(socket), 'tlsClientError'(err, socket) for failed
 * handshakes (the server keeps listening), 'keylog'(line, socket). SNI contexts via `SNICallback`
 * or `addContext`; client certificates via `requestCert`/`rejectUnauthorized` and `ca`.
 */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { Buffer } from 'node:buffer';
import { moduleObject } from './binding.ts';
import { EXPECT_BUFFER_LIKE, EXPECT_FUNCTION, EXPECT_NUMBER, EXPECT_OBJECT, EXPECT_STRING, invalidArgType, nodeTypeError } from './node-errors.ts';
import { SecureContext, type SecureContextOptions } from './secure-context.ts';
import { kServerSessions, TLSSocket, type ServerSessions, type SNICallback, type TLSSocketOptions } from './tls-socket.ts';
import { compatTicketer, setCompatTicketKeys } from './sessions.ts';
import type { RotatingTicketer } from '../core/server/ticketer.ts';

/** node:tls `TlsOptions` that typetls implements. */
export interface TlsOptions extends TLSSocketOptions {
  pauseOnConnect?: boolean;
}

/**
 * node:tls `Server`.
 * @throws TypeError ERR_INVALID_ARG_TYPE for options of the wrong type; ERR_TYPETLS_UNSUPPORTED_OPTION
 *   for `ALPNCallback` (not supported yet) and the context options typetls cannot honour.
 */
export class Server extends net.Server {
  /** The default context (node:tls' name). */
  _sharedCreds: SecureContext;
  /** The TLS options every accepted socket gets. */
  readonly tlsOptions: TlsOptions;
  private readonly contexts: Array<[RegExp, SecureContext]> = [];
  private ticketKeys: Buffer;
  /** The engine's stateless ticketer, keyed from `ticketKeys` (RFC 8446 §4.6.1 and RFC 5077 tickets). */
  private readonly ticketer: RotatingTicketer;
  /** node's `sessionTimeout` in seconds; unset, OpenSSL's default 7200 applies (what node:tls issues, measured). */
  private readonly sessionTimeout: number;

  constructor(options?: TlsOptions | ((socket: TLSSocket) => void), listener?: (socket: TLSSocket) => void) {
    let o: TlsOptions = {};
    if (typeof options === 'function') listener = options;
    else if (options !== undefined) {
      if (typeof options !== 'object' || options === null) throw invalidArgType('options', EXPECT_OBJECT, options);
      o = { ...options };
    }
    super({ allowHalfOpen: o.allowHalfOpen === true, pauseOnConnect: o.pauseOnConnect === true });
    if (o.SNICallback !== undefined && typeof o.SNICallback !== 'function') throw invalidArgType('options.SNICallback', EXPECT_FUNCTION, o.SNICallback);
    if (o.handshakeTimeout !== undefined && typeof o.handshakeTimeout !== 'number') throw invalidArgType('options.handshakeTimeout', EXPECT_NUMBER, o.handshakeTimeout);
    if (o.sessionTimeout !== undefined && typeof o.sessionTimeout !== 'number') throw invalidArgType('options.sessionTimeout', EXPECT_NUMBER, o.sessionTimeout);
    if (o.sessionTimeout !== undefined) {
      // node:tls validateInt32(sessionTimeout, 'options.sessionTimeout', 0).
      const t = o.sessionTimeout;
      const rule = !Number.isInteger(t) ? 'an integer' : t < 0 || t > 2147483647 ? '>= 0 && <= 2147483647' : null;
      if (rule !== null) throw Object.assign(new RangeError(`The value of "options.sessionTimeout" is out of range. It must be ${rule}. Received ${String(t)}`), { code: 'ERR_OUT_OF_RANGE' });
    }
    if (o.ALPNCallback !== undefined && o.ALPNCallback !== null) {
      if (typeof o.ALPNCallback !== 'function') throw invalidArgType('options.ALPNCallback', EXPECT_FUNCTION, o.ALPNCallback);
      if (o.ALPNProtocols !== undefined) throw nodeTypeError('ERR_TLS_ALPN_CALLBACK_WITH_PROTOCOLS', 'The ALPNCallback and ALPNProtocols TLS options are mutually exclusive');
    }
    this._sharedCreds = moduleObject().createSecureContext(o);
    this.ticketKeys = o.ticketKeys !== undefined ? Buffer.from(o.ticketKeys) : randomBytes(48);
    this.ticketer = compatTicketer(this._sharedCreds.provider, this.ticketKeys);
    this.sessionTimeout = o.sessionTimeout ?? 7200;
    this.tlsOptions = o;
    this.on('connection', onConnection);
    if (listener !== undefined) this.on('secureConnection', listener);
  }

  /**
   * Adds a context for SNI names matching `hostname` (`*` matches one label), used when no
   * `SNICallback` is given. `context` is a SecureContext or createSecureContext options.
   */
  addContext(hostname: string, context: SecureContext | SecureContextOptions): void {
    if (typeof hostname !== 'string') throw invalidArgType('hostname', EXPECT_STRING, hostname);
    const ctx = context instanceof SecureContext ? context : moduleObject().createSecureContext(context);
    const re = new RegExp(`^${hostname.replace(/([.^$+?\-\\[\]{}])/g, '\\$1').replaceAll('*', '[^.]*')}$`);
    this.contexts.push([re, ctx]);
  }

  /** Replaces the default context for connections accepted from now on. */
  setSecureContext(options: SecureContextOptions): void {
    if (typeof options !== 'object' || options === null) throw invalidArgType('options', EXPECT_OBJECT, options);
    this._sharedCreds = moduleObject().createSecureContext(options);
  }

  /** The 48-byte ticket keys; the ticket AEAD key (TLS 1.3 and TLS 1.2 tickets) is derived from them (sessions.ts). */
  getTicketKeys(): Buffer {
    return Buffer.from(this.ticketKeys);
  }

  /** Sets the 48-byte ticket keys: tickets issued under the previous keys no longer resume. */
  setTicketKeys(keys: Uint8Array): void {
    if (!ArrayBuffer.isView(keys)) throw invalidArgType('keys', EXPECT_BUFFER_LIKE, keys);
    if (keys.byteLength !== 48) throw nodeTypeError('ERR_INVALID_ARG_VALUE', `The argument 'keys' must be exactly 48 bytes. Received ${keys.byteLength} bytes`);
    this.ticketKeys = Buffer.from(keys);
    setCompatTicketKeys(this.ticketer, this.ticketKeys);
  }

  /** @internal What each accepted socket resumes with (read per connection: listeners may change). */
  _sessions(): ServerSessions {
    return { ticketer: this.ticketer, events: this, lifetimeSeconds: this.sessionTimeout };
  }

  /** The SNI callback in force: the user's, or one over `addContext` entries (first match). */
  sniCallback(): SNICallback | undefined {
    if (this.tlsOptions.SNICallback !== undefined) return this.tlsOptions.SNICallback;
    if (this.contexts.length === 0) return undefined;
    return (servername, cb) => {
      const m = this.contexts.find(([re]) => re.test(servername));
      cb(null, m?.[1]);
    };
  }
}

function onConnection(this: Server, raw: net.Socket): void {
  const o = this.tlsOptions;
  let socket: TLSSocket;
  try {
    const sni = this.sniCallback();
    socket = new TLSSocket(raw, {
      isServer: true,
      server: this,
      secureContext: this._sharedCreds,
      requestCert: o.requestCert === true,
      rejectUnauthorized: o.rejectUnauthorized !== false,
      handshakeTimeout: o.handshakeTimeout ?? 120_000,
      allowHalfOpen: o.allowHalfOpen === true,
      ...(o.ALPNProtocols !== undefined ? { ALPNProtocols: o.ALPNProtocols } : {}),
      ...(typeof o.ALPNCallback === 'function' ? { ALPNCallback: o.ALPNCallback } : {}),
      [kServerSessions]: this._sessions(),
      ...(sni !== undefined ? { SNICallback: sni } : {}),
      ...(o.highWaterMark !== undefined ? { highWaterMark: o.highWaterMark } : {}),
    } as TLSSocketOptions);
  } catch (e) {
    raw.destroy();
    this.emit('tlsClientError', e, null);
    return;
  }
  socket.on('secure', onSecure);
  socket.on('error', onHandshakeError);
}

function onSecure(this: TLSSocket): void {
  this.removeListener('error', onHandshakeError);
  (this.server as Server).emit('secureConnection', this);
}

function onHandshakeError(this: TLSSocket, err: Error): void {
  this.removeListener('error', onHandshakeError);
  this.destroy();
  (this.server as Server).emit('tlsClientError', err, this);
}

/**
 * node:tls `createServer(options, secureConnectionListener)`.
 * @example
 * const server = tls.createServer({ key, cert }, (s) => s.end('hello\n')).listen(8443);
 */
export function createServer(options?: TlsOptions | ((socket: TLSSocket) => void), listener?: (socket: TLSSocket) => void): Server {
  return new Server(options, listener);
}
