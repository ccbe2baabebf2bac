/**
 * `connect()`: a TLS client over TCP (or any Duplex), configured like node:tls but verified
 * like rustls: the server's chain must reach a trust anchor and name the host.
 */
import * as net from 'node:net';
import { appendFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import process from 'node:process';
import { ClientConnection } from '../core/client/connection.ts';
import { createClientConfig, type ClientConfig } from '../core/client/config.ts';
import type { CryptoProvider, SigningKey } from '../core/crypto/provider.ts';
import { ServerCertVerified, type ServerCertVerifier } from '../core/verify.ts';
import { TlsError } from '../core/errors.ts';
import type { ClientSessionStore } from '../core/client/session-store.ts';
import { nodeCryptoProvider } from '../providers/node/index.ts';
import { createServerVerifier, trustAnchorFromCertificate } from '../webpki/index.ts';
import { keyInput, readCertificates, type PemInput } from './pem.ts';
import { pkcs12Credentials } from './pkcs12.ts';
import { TlsSocket } from './socket.ts';
import { trustAnchors, type TrustStoreName } from './trust-store.ts';

/** Options of `connect()`. */
export interface ConnectOptions {
  /** Host to connect to (DNS name or IP literal). Default `localhost`. */
  readonly host?: string;
  /** Port. Default 443. */
  readonly port?: number;
  /**
   * The name the certificate must be valid for, and the SNI host name (never sent for IP
   * literals). Default: `host`.
   */
  readonly servername?: string;
  /** Trust anchors (PEM or DER); they replace the default roots. */
  readonly ca?: PemInput;
  /** Which roots to use when `ca` is absent. Default `'bundled'` (Node's Mozilla roots). */
  readonly trustStore?: TrustStoreName;
  readonly alpnProtocols?: readonly string[];
  readonly minVersion?: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  /** IANA names in preference order. */
  readonly cipherSuites?: readonly string[];
  /** Group names in preference order (`x25519`, `secp256r1`, ...). */
  readonly groups?: readonly string[];
  /** A connected (or connecting) transport to use instead of opening a TCP connection. */
  readonly socket?: Duplex;
  /**
   * Receives NSS key log lines (secrets!). Default: append to the file named by the
   * `SSLKEYLOGFILE` environment variable, when set.
   */
  readonly keyLog?: ((line: string) => void) | null;
  /** Crypto provider. Default `nodeCryptoProvider`. */
  readonly provider?: CryptoProvider;
  /** Replaces certificate verification entirely (then `ca` and `trustStore` are unused). */
  readonly verifier?: ServerCertVerifier;
  /**
   * Accept any server certificate chain: TESTS ONLY. The handshake signature is still checked
   * against the presented certificate, so the peer must hold its key, but anyone can make one.
   */
  readonly dangerousAcceptAnyCertificate?: boolean;
  /** A client certificate chain (PEM/DER) and its private key, sent when the server asks. */
  readonly cert?: PemInput;
  readonly key?: string | Uint8Array;
  readonly passphrase?: string;
  /** Or the client certificate chain and key as a PKCS#12 file (DER), decrypted with `passphrase`. */
  readonly pfx?: Uint8Array;
  readonly allowHalfOpen?: boolean;
  /** Fail the handshake after this many ms (0 = never). Default 120000, as node:tls. */
  readonly handshakeTimeout?: number;
  /** A prepared config (from `createClientConnectConfig`) to share across connections. */
  readonly config?: ClientConfig;
  /** RFC 8879 algorithms in preference order (zlib 1, brotli 2, zstd 3) or 'none'; default brotli, zlib. */
  readonly certificateCompression?: readonly number[] | 'none';
  /** Ask for a stapled OCSP response (`negotiated.ocspResponse`). Default false, as node:tls `requestOCSP`. */
  readonly requestOcsp?: boolean;
  /**
   * Where TLS 1.3 tickets are kept for resumption (`createClientSessionStore()`); share one store
   * across connections to resume. Each ticket is used once (RFC 8446 C.4). Default: none.
   */
  readonly sessionStore?: ClientSessionStore | null;
  /** Ask TLS 1.2 servers for RFC 5077 tickets (kept in `sessionStore`). Default false. */
  readonly tls12SessionTickets?: boolean;
  /**
   * Send 0-RTT data when resuming with a ticket that allows it: bytes written with
   * `socket.connection.writePlaintext` before the handshake completes go out as early data.
   */
  readonly earlyData?: boolean;
}

/**
 * Builds the engine's client config from `ConnectOptions` (roots are parsed once per process
 * for the default stores; pass the result as `config` to share it across connections).
 * @throws TlsError ERR_TLS_CONFIG* for bad options or certificates.
 */
export function createClientConnectConfig(options: ConnectOptions): ClientConfig {
  const provider = options.provider ?? nodeCryptoProvider;
  let verifier: ServerCertVerifier;
  if (options.verifier !== undefined) {
    verifier = options.verifier;
  } else if (options.dangerousAcceptAnyCertificate === true) {
    verifier = acceptAnyCertificate(provider);
  } else if (options.ca !== undefined) {
    verifier = caVerifier(provider, options.ca);
  } else {
    verifier = storeVerifier(provider, options.trustStore ?? 'bundled');
  }
  let clientCertificate: { chain: readonly Uint8Array[]; key: SigningKey } | null = null;
  // The client certificate, sent when the server asks (RFC 8446 §4.4.2). One without the other is a mistake.
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new TlsError('ERR_TLS_CONFIG', 'connect options: "cert" and "key" go together, expected both');
  }
  if (options.cert !== undefined && options.key !== undefined) {
    clientCertificate = { chain: readCertificates(options.cert, '"cert"'), key: provider.loadSigningKey(keyInput(options.key), options.passphrase) };
  }
  if (options.pfx !== undefined) {
    if (clientCertificate !== null) throw new TlsError('ERR_TLS_CONFIG', 'connect options: "pfx" and "cert"/"key" both give the client certificate, expected one of them');
    const p = pkcs12Credentials(options.pfx, options.passphrase);
    clientCertificate = { chain: p.chain, key: provider.loadSigningKey(p.key) };
  }
  const keyLog = options.keyLog !== undefined ? options.keyLog : keyLogFromEnv();
  return createClientConfig({
    provider,
    verifier,
    clientCertificate,
    keyLog,
    ...(options.alpnProtocols !== undefined ? { alpnProtocols: options.alpnProtocols } : {}),
    ...(options.minVersion !== undefined ? { minVersion: options.minVersion } : {}),
    ...(options.maxVersion !== undefined ? { maxVersion: options.maxVersion } : {}),
    ...(options.cipherSuites !== undefined ? { cipherSuites: options.cipherSuites } : {}),
    ...(options.groups !== undefined ? { groups: options.groups } : {}),
    ...(options.certificateCompression !== undefined ? { certificateCompression: options.certificateCompression } : {}),
    ...(options.requestOcsp !== undefined ? { requestOcsp: options.requestOcsp } : {}),
    ...(options.sessionStore !== undefined ? { sessionStore: options.sessionStore } : {}),
    ...(options.tls12SessionTickets !== undefined ? { tls12SessionTickets: options.tls12SessionTickets } : {}),
    ...(options.earlyData !== undefined ? { earlyData: options.earlyData } : {}),
  });
}

/**
 * Opens a TLS connection. `callback` is added as a 'secureConnect' listener. Errors (including
 * configuration errors) are emitted as 'error' with a `TlsError`.
 * @example
 * const s = connect({ host: 'example.com', port: 443, alpnProtocols: ['http/1.1'] }, () => {
 *   console.log(s.negotiated?.protocolVersion);
 *   s.end('GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
 * });
 */
export function connect(options: ConnectOptions, callback?: () => void): TlsSocket {
  const host = options.host ?? 'localhost';
  const serverName = options.servername ?? stripBrackets(host);
  const config = options.config ?? createClientConnectConfig(options);
  const connection = new ClientConnection(config, serverName);
  // noDelay: the engine already coalesces each flight / write into one transport write, so
  // Nagle's algorithm could only hold back the tail of one (as Go's net.Dial, TCP_NODELAY on).
  const transport = options.socket ?? net.connect({ host: stripBrackets(host), port: options.port ?? 443, allowHalfOpen: true, noDelay: true });
  const socket = new TlsSocket({
    connection,
    transport,
    allowHalfOpen: options.allowHalfOpen ?? false,
    handshakeTimeout: options.handshakeTimeout ?? 120_000,
  });
  if (callback !== undefined) socket.once('secureConnect', callback);
  return socket;
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The key log sink `SSLKEYLOGFILE` asks for, or null. Writes are appended synchronously. */
export function keyLogFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): ((line: string) => void) | null {
  const path = env['SSLKEYLOGFILE'];
  if (path === undefined || path === '') return null;
  return (line: string) => {
    appendFileSync(path, line.endsWith('\n') ? line : line + '\n', { mode: 0o600 });
  };
}

// Building a verifier parses every anchor (~20-50 ms for 145 roots): share them, keyed by
// provider and store, or by the `ca` text (a few entries). PLATFORM-NOTES: parse anchors once.
const storeVerifiers = new WeakMap<CryptoProvider, Map<TrustStoreName, ServerCertVerifier>>();
const caVerifiers = new WeakMap<CryptoProvider, Map<string, ServerCertVerifier>>();
const maxCachedCa = 16;

function storeVerifier(provider: CryptoProvider, store: TrustStoreName): ServerCertVerifier {
  let m = storeVerifiers.get(provider);
  if (m === undefined) storeVerifiers.set(provider, (m = new Map()));
  let v = m.get(store);
  if (v === undefined) {
    v = createServerVerifier({ roots: usableAnchors(trustAnchors(store)), signatures: provider.signatures, lenientRoots: true });
    m.set(store, v);
  }
  return v;
}

function caVerifier(provider: CryptoProvider, ca: PemInput): ServerCertVerifier {
  if (typeof ca !== 'string') return createServerVerifier({ roots: readCertificates(ca, '"ca"'), signatures: provider.signatures });
  let m = caVerifiers.get(provider);
  if (m === undefined) caVerifiers.set(provider, (m = new Map()));
  let v = m.get(ca);
  if (v === undefined) {
    v = createServerVerifier({ roots: readCertificates(ca, '"ca"'), signatures: provider.signatures });
    if (m.size >= maxCachedCa) m.delete(m.keys().next().value!);
    m.set(ca, v);
  }
  return v;
}

/**
 * The roots of a platform or bundled store that webpki accepts as anchors: one malformed root
 * in a store of hundreds must not stop every connection (the user's own `ca` is not filtered).
 */
function usableAnchors(roots: readonly Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of roots) {
    try {
      trustAnchorFromCertificate(r, { lenient: true });
      out.push(r);
    } catch {
      // skipped: not usable as a trust anchor
    }
  }
  return out;
}

let warned = false;

/** A verifier that accepts any chain but still checks the handshake signature (tests only). */
function acceptAnyCertificate(provider: CryptoProvider): ServerCertVerifier {
  if (!warned) {
    warned = true;
    // Says that verification is off; never prints certificates or keys.
    process.emitWarning('typetls: dangerousAcceptAnyCertificate is set: server certificates are not verified', { code: 'TYPETLS_DANGEROUS_NO_VERIFY' });
  }
  const inner = createServerVerifier({ roots: [], signatures: provider.signatures });
  return {
    verifyServerCertificate: (input) => ServerCertVerified.assertion([input.endEntity, ...input.intermediates]),
    verifyTls13Signature: (m, ee, scheme, sig) => inner.verifyTls13Signature(m, ee, scheme, sig),
    verifyTls12Signature: (m, ee, scheme, sig) => inner.verifyTls12Signature(m, ee, scheme, sig),
    supportedSchemes: () => inner.supportedSchemes(),
  };
}
