/**
 * `createServer()`: a `net.Server` that speaks TLS on every accepted connection. A failed
 * handshake is reported as 'tlsClientError' and never stops the server.
 */
import * as net from 'node:net';
import { ServerConnection } from '../core/server/connection.ts';
import { createServerConfig, type CertificateResolver, type CertifiedKey, type ServerConfig } from '../core/server/config.ts';
import type { CryptoProvider } from '../core/crypto/provider.ts';
import type { ClientCertVerifier } from '../core/verify.ts';
import { isTlsError, TlsError } from '../core/errors.ts';
import { nodeCryptoProvider } from '../providers/node/index.ts';
import { keyInput, readCertificates, type PemInput } from './pem.ts';
import { TlsSocket } from './socket.ts';
import { createSniResolver } from '../webpki/sni-resolver.ts';
import { keyLogFromEnv } from './connect.ts';

/** A certificate chain and its private key, as PEM (or DER). */
export interface CertificateKeyPair {
  readonly cert: PemInput;
  readonly key: string | Uint8Array;
  readonly passphrase?: string;
}

/** Options of `createServer()`. */
export interface ServerOptions {
  /** The certificate chain (end-entity first) and key; or use `certificates`. */
  readonly cert?: PemInput;
  readonly key?: string | Uint8Array;
  readonly passphrase?: string;
  /** Several chains, chosen by SNI (SAN match) and the client's signature schemes. */
  readonly certificates?: readonly CertificateKeyPair[];
  /** Picks the certificate per ClientHello; may return a Promise. Takes precedence. */
  readonly resolveCertificate?: CertificateResolver;
  readonly alpnProtocols?: readonly string[];
  readonly cipherSuites?: readonly string[];
  readonly groups?: readonly string[];
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** Key log sink (secrets!). Default: `SSLKEYLOGFILE`, when set. */
  readonly keyLog?: ((line: string) => void) | null;
  readonly provider?: CryptoProvider;
  /** Verifies client certificates (e.g. `createClientVerifier` from typetls/webpki). */
  readonly clientVerifier?: ClientCertVerifier | null;
  readonly allowHalfOpen?: boolean;
  /** Fail a handshake after this many ms (0 = never). Default 120000, as node:tls. */
  readonly handshakeTimeout?: number;
}

/**
 * Builds the engine's server config from `ServerOptions` (keys are loaded once).
 * @throws TlsError ERR_TLS_CONFIG* for missing or malformed certificates and keys.
 */
export function createServerListenConfig(options: ServerOptions): ServerConfig {
  const provider = options.provider ?? nodeCryptoProvider;
  const pairs: CertificateKeyPair[] = [];
  if (options.cert !== undefined || options.key !== undefined) {
    if (options.cert === undefined || options.key === undefined) {
      throw new TlsError('ERR_TLS_CONFIG', 'server options: "cert" and "key" go together, expected both');
    }
    pairs.push({ cert: options.cert, key: options.key, ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}) });
  }
  pairs.push(...(options.certificates ?? []));
  const certificates: CertifiedKey[] = pairs.map((p, i) => ({
    chain: readCertificates(p.cert, `certificate ${i}`),
    key: provider.loadSigningKey(keyInput(p.key), p.passphrase),
  }));
  const keyLog = options.keyLog !== undefined ? options.keyLog : keyLogFromEnv();
  return createServerConfig({
    provider,
    certificates,
    keyLog,
    clientVerifier: options.clientVerifier ?? null,
    // Several certificates: pick by SNI (webpki parses their names once).
    ...(options.resolveCertificate !== undefined
      ? { resolveCertificate: options.resolveCertificate }
      : certificates.length > 1 ? { resolveCertificate: createSniResolver(certificates) } : {}),
    ...(options.alpnProtocols !== undefined ? { alpnProtocols: options.alpnProtocols } : {}),
    ...(options.cipherSuites !== undefined ? { cipherSuites: options.cipherSuites } : {}),
    ...(options.groups !== undefined ? { groups: options.groups } : {}),
    ...(options.minVersion !== undefined ? { minVersion: options.minVersion } : {}),
    ...(options.maxVersion !== undefined ? { maxVersion: options.maxVersion } : {}),
  });
}

/**
 * A TCP server whose connections are `TlsSocket`s. Events beyond `net.Server`:
 * - `'secureConnection'(socket: TlsSocket)` once a handshake completes;
 * - `'tlsClientError'(err: TlsError, socket: TlsSocket)` when one fails (the socket is
 *   destroyed; the server keeps listening).
 */
export class TlsServer extends net.Server {
  /** The shared engine config; replace it (`setConfig`) to rotate certificates. */
  config: ServerConfig;
  readonly handshakeTimeout: number;
  readonly tlsAllowHalfOpen: boolean;

  constructor(options: ServerOptions, secureConnectionListener?: (socket: TlsSocket) => void) {
    super({ allowHalfOpen: true, pauseOnConnect: false });
    this.config = createServerListenConfig(options);
    this.handshakeTimeout = options.handshakeTimeout ?? 120_000;
    this.tlsAllowHalfOpen = options.allowHalfOpen ?? false;
    this.on('connection', onConnection);
    if (secureConnectionListener !== undefined) this.on('secureConnection', secureConnectionListener);
  }

  /** Uses a new config for connections accepted from now on. */
  setConfig(config: ServerConfig): void {
    this.config = config;
  }
}

function onConnection(this: TlsServer, raw: net.Socket): void {
  let socket: TlsSocket;
  try {
    socket = new TlsSocket({
      connection: new ServerConnection(this.config),
      transport: raw,
      allowHalfOpen: this.tlsAllowHalfOpen,
      handshakeTimeout: this.handshakeTimeout,
    });
  } catch (e) {
    raw.destroy();
    this.emit('tlsClientError', isTlsError(e) ? e : new TlsError('ERR_TLS_INTERNAL', `could not start a connection: ${String(e)}`, { cause: e }), null);
    return;
  }
  (socket as TlsSocketWithServer)[kServer] = this;
  socket.on('secure', onSecure);
  socket.on('error', onHandshakeError);
}

const kServer = Symbol('typetls.server');
type TlsSocketWithServer = TlsSocket & { [kServer]?: TlsServer };

function onSecure(this: TlsSocketWithServer): void {
  const server = this[kServer];
  this.removeListener('error', onHandshakeError);
  if (server !== undefined) server.emit('secureConnection', this);
}

function onHandshakeError(this: TlsSocketWithServer, err: Error): void {
  const server = this[kServer];
  this.destroy();
  if (server !== undefined) server.emit('tlsClientError', err, this);
}

/**
 * Creates a TLS server; `listener` is added for 'secureConnection'.
 * @throws TlsError ERR_TLS_CONFIG* for bad certificates, keys or options.
 * @example
 * const server = createServer({ cert: readFileSync('chain.pem', 'utf8'), key: readFileSync('key.pem', 'utf8') }, (s) => s.end('hello\n'));
 * server.listen(4433, '127.0.0.1');
 */
export function createServer(options: ServerOptions, listener?: (socket: TlsSocket) => void): TlsServer {
  return new TlsServer(options, listener);
}
