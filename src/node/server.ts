/**
 * `createServer()`: a `net.Server` that speaks TLS on every accepted connection. A failed
 * handshake is reported as 'tlsClientError' and never stops the server.
 */
import * as net from 'node:net';
import { Buffer } from 'node:buffer';
import { ServerConnection } from '../core/server/connection.ts';
import { createServerConfig, type CertificateResolver, type CertifiedKey, type ServerConfig } from '../core/server/config.ts';
import type { CryptoProvider } from '../core/crypto/provider.ts';
import type { ClientCertVerifier } from '../core/verify.ts';
import { isTlsError, TlsError } from '../core/errors.ts';
import { nodeCryptoProvider } from '../providers/node/index.ts';
import { keyInput, readCertificates, type PemInput } from './pem.ts';
import { pkcs12Credentials } from './pkcs12.ts';
import { TlsSocket } from './socket.ts';
import type { Ticketer } from '../core/server/ticketer.ts';
import type { ServerSessionStore } from '../core/server/session-store.ts';
import { createSniResolver } from '../webpki/sni-resolver.ts';
import { createClientVerifier } from '../webpki/verifiers.ts';
import { createCrlChecker, type ExpirationPolicy, type RevocationCheckDepth, type UnknownStatusPolicy } from '../webpki/revocation.ts';
import { parseCrl, parseCrlsFromPem, type CertRevocationList } from '../webpki/crl.ts';
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
  /** Or a PKCS#12 file (DER) holding the chain and key, decrypted with `passphrase`; added to the certificates. */
  readonly pfx?: Uint8Array;
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
  /** Verifies client certificates (e.g. `createClientVerifier` from typetls/webpki). Takes precedence over `clientCa`. */
  readonly clientVerifier?: ClientCertVerifier | null;
  /**
   * Trust anchors (PEM or DER) for client certificates (clientAuth EKU). Giving them turns on
   * client authentication (a CertificateRequest naming them), unless `requestCert` is false.
   */
  readonly clientCa?: PemInput;
  /** Ask for a client certificate (node:tls `requestCert`); needs `clientCa`. Default: true when `clientCa` is given. */
  readonly requestCert?: boolean;
  /**
   * node:tls-style: true (default) refuses a client without a certificate (certificate_required);
   * false lets it in anonymously (`negotiated.peerCertificates` empty). A certificate that is
   * sent is always verified: an invalid one is refused either way (unlike node:tls, which
   * would let it in with `authorized = false`).
   */
  readonly rejectUnauthorized?: boolean;
  /** CRLs (PEM text with X509 CRL blocks, or DER) checked for client certificates; needs `clientCa`. */
  readonly crl?: PemInput;
  /** How the CRLs are applied (webpki `createCrlChecker` options). */
  readonly crlOptions?: {
    /** Default `'chain'`: the end-entity and the intermediates. */
    readonly depth?: RevocationCheckDepth;
    /** Default `'deny'`: a certificate no CRL covers is refused. */
    readonly unknownStatus?: UnknownStatusPolicy;
    /** Default `'ignore'`; `'enforce'` refuses when a CRL is past its nextUpdate. */
    readonly expiration?: ExpirationPolicy;
  };
  readonly allowHalfOpen?: boolean;
  /** Fail a handshake after this many ms (0 = never). Default 120000, as node:tls. */
  readonly handshakeTimeout?: number;
  /** RFC 8879 algorithms in preference order (zlib 1, brotli 2, zstd 3) or 'none'; default brotli, zlib. */
  readonly certificateCompression?: readonly number[] | 'none';
  /** A DER OCSP response stapled (for `cert`/`key`) when the client asks (RFC 8446 §4.4.2.1). */
  readonly ocspResponse?: Uint8Array;
  /** Stateless TLS 1.3 tickets (`createTicketer`); replayable, so never used for 0-RTT. */
  readonly ticketer?: Ticketer | null;
  /** Single-use server-side sessions (`createServerSessionStore`); required for 0-RTT. */
  readonly sessionStore?: ServerSessionStore | null;
  /** NewSessionTickets per handshake when a ticketer or store is set (default 2; 0 disables). */
  readonly ticketsToSend?: number;
  /** NewSessionTickets after a resumed TLS 1.3 handshake (default: ticketsToSend; OpenSSL sends 0). */
  readonly ticketsAfterResumption?: number;
  /** Accept up to this many bytes of 0-RTT data (needs `sessionStore`); 0 or absent disables. */
  readonly maxEarlyDataSize?: number;
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
  const ownPair = pairs.length;
  if (options.pfx !== undefined) {
    const p = pkcs12Credentials(options.pfx, options.passphrase);
    pairs.push({ cert: p.chain, key: p.key });
  }
  pairs.push(...(options.certificates ?? []));
  const certificates: CertifiedKey[] = pairs.map((p, i) => ({
    chain: readCertificates(p.cert, `certificate ${i}`),
    key: provider.loadSigningKey(keyInput(p.key), p.passphrase),
    // `ocspResponse` belongs to the `cert`/`key` pair.
    ...(i === 0 && ownPair === 1 && options.ocspResponse !== undefined ? { ocspResponse: options.ocspResponse } : {}),
  }));
  const keyLog = options.keyLog !== undefined ? options.keyLog : keyLogFromEnv();
  return createServerConfig({
    provider,
    certificates,
    keyLog,
    clientVerifier: options.clientVerifier ?? clientVerifierFromOptions(options, provider),
    // Several certificates: pick by SNI (webpki parses their names once).
    ...(options.resolveCertificate !== undefined
      ? { resolveCertificate: options.resolveCertificate }
      : certificates.length > 1 ? { resolveCertificate: createSniResolver(certificates) } : {}),
    ...(options.alpnProtocols !== undefined ? { alpnProtocols: options.alpnProtocols } : {}),
    ...(options.cipherSuites !== undefined ? { cipherSuites: options.cipherSuites } : {}),
    ...(options.groups !== undefined ? { groups: options.groups } : {}),
    ...(options.minVersion !== undefined ? { minVersion: options.minVersion } : {}),
    ...(options.maxVersion !== undefined ? { maxVersion: options.maxVersion } : {}),
    ...(options.certificateCompression !== undefined ? { certificateCompression: options.certificateCompression } : {}),
    ...(options.ticketer !== undefined ? { ticketer: options.ticketer } : {}),
    ...(options.sessionStore !== undefined ? { sessionStore: options.sessionStore } : {}),
    ...(options.ticketsToSend !== undefined ? { ticketsToSend: options.ticketsToSend } : {}),
    ...(options.ticketsAfterResumption !== undefined ? { ticketsAfterResumption: options.ticketsAfterResumption } : {}),
    ...(options.maxEarlyDataSize !== undefined ? { maxEarlyDataSize: options.maxEarlyDataSize } : {}),
  });
}

/**
 * The client-certificate verifier `clientCa` / `requestCert` / `rejectUnauthorized` / `crl`
 * describe, or null for no client authentication.
 * @throws TlsError ERR_TLS_CONFIG for `requestCert` or `crl` without `clientCa`, ERR_TLS_CERT_CRL_INVALID for a malformed CRL.
 */
export function clientVerifierFromOptions(options: ServerOptions, provider: CryptoProvider = options.provider ?? nodeCryptoProvider): ClientCertVerifier | null {
  if (options.clientCa === undefined) {
    if (options.requestCert === true) throw new TlsError('ERR_TLS_CONFIG', 'server options: "requestCert" needs "clientCa" (trust anchors for client certificates)');
    if (options.crl !== undefined) throw new TlsError('ERR_TLS_CONFIG', 'server options: "crl" needs "clientCa"');
    return null;
  }
  if (options.requestCert === false) return null;
  const roots = readCertificates(options.clientCa, '"clientCa"');
  const revocation = options.crl === undefined ? undefined : createCrlChecker({
    crls: readCrls(options.crl),
    signatures: provider.signatures,
    ...(options.crlOptions?.depth !== undefined ? { depth: options.crlOptions.depth } : {}),
    ...(options.crlOptions?.unknownStatus !== undefined ? { unknownStatus: options.crlOptions.unknownStatus } : {}),
    ...(options.crlOptions?.expiration !== undefined ? { expiration: options.crlOptions.expiration } : {}),
  });
  return createClientVerifier({
    roots,
    signatures: provider.signatures,
    mandatory: options.rejectUnauthorized ?? true,
    ...(revocation !== undefined ? { revocation } : {}),
  });
}

/** CRLs from PEM text (X509 CRL blocks) or DER items; at least one. */
function readCrls(input: PemInput): CertRevocationList[] {
  const items = typeof input === 'string' || input instanceof Uint8Array ? [input] : input;
  const out: CertRevocationList[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && item.length > 0 && item[0] === 0x30) out.push(parseCrl(new Uint8Array(item)));
    else out.push(...parseCrlsFromPem(typeof item === 'string' ? item : Buffer.from(item.buffer, item.byteOffset, item.length).toString('latin1')));
  }
  if (out.length === 0) throw new TlsError('ERR_TLS_CONFIG', 'server options: no X509 CRL found in "crl", expected at least one PEM or DER CRL');
  return out;
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
    // noDelay: records are coalesced per flush already; Nagle would only delay (see connect()).
    super({ allowHalfOpen: true, pauseOnConnect: false, noDelay: true });
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
