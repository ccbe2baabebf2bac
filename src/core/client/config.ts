/**
 * Client configuration: validated once, shared by any number of `ClientConnection`s.
 */
import { TlsUsageError } from '../errors.ts';
import type { SigningKey } from '../crypto/provider.ts';
import type { ServerCertVerifier } from '../verify.ts';
import { validateCommon, type CommonConfig, type CommonConfigOptions } from '../config/common.ts';
import type { CertificateCompressor } from '../crypto/provider.ts';
import { validateCompression } from '../compression.ts';
import type { ClientSessionStore } from './session-store.ts';

/** A certificate chain (DER, end-entity first) and its private key. */
export interface CertifiedKey {
  readonly chain: readonly Uint8Array[];
  readonly key: SigningKey;
  /** A DER OCSP response to staple (server side), or null. */
  readonly ocspResponse?: Uint8Array | null;
}

/** What a client certificate resolver learns from the server's CertificateRequest (RFC 8446 §4.3.2). */
export interface ClientCertificateRequest {
  /**
   * DER distinguished names from certificate_authorities (§4.2.4), or empty when the server
   * sent none. Copies: the resolver owns them.
   */
  readonly acceptableIssuers: readonly Uint8Array[];
  /** The TLS 1.3 signature schemes the server offered in signature_algorithms, its order. */
  readonly signatureSchemes: readonly number[];
}

/**
 * Picks the client certificate for a CertificateRequest; null sends an empty Certificate
 * (the server then decides: certificate_required or an anonymous client). May return a Promise.
 */
export type ClientCertificateResolver = (request: ClientCertificateRequest) => CertifiedKey | null | Promise<CertifiedKey | null>;

export interface ClientConfigOptions extends CommonConfigOptions {
  /** Verifies the server's certificate; required (there is no unverified default). */
  verifier: ServerCertVerifier;
  /** Send server_name (never for IP literals). Default true. */
  enableSni?: boolean;
  /** Send GREASE values (RFC 8701). Default true. */
  grease?: boolean;
  /** A client certificate to present when asked. */
  clientCertificate?: CertifiedKey | null;
  /**
   * Chooses the client certificate per CertificateRequest; takes precedence over
   * `clientCertificate`. A result whose key has none of the offered schemes is not sent.
   */
  resolveClientCertificate?: ClientCertificateResolver | null;
  /**
   * RFC 8446 D.4 middlebox compatibility mode: a random 32-byte legacy_session_id and a
   * change_cipher_spec before our second flight. Default true (as OpenSSL, Go, rustls);
   * false sends an empty legacy_session_id and no CCS (as NSS and RFC 8448's traces).
   */
  middleboxCompat?: boolean;
  /**
   * Offer RFC 5077 session tickets to TLS 1.2 servers (an empty session_ticket extension).
   * Default false. Sent only while TLS 1.2 is enabled; TLS 1.3 servers ignore it (RFC 8446 §4.2).
   */
  tls12SessionTickets?: boolean;
  /**
   * RFC 8879 certificate compression: algorithm code points (zlib 1, brotli 2, zstd 3) in
   * preference order, offered in ClientHello (to decompress the server's certificate) and used
   * for our certificate when a CertificateRequest asks; 'none' turns it off. Default: brotli,
   * zlib (rustls' order), as far as the provider has them. TLS 1.3 only.
   */
  certificateCompression?: readonly number[] | 'none';
  /** Largest decompressed Certificate we accept (uncompressed_length), 4..2^24-1; default 65536. */
  maxDecompressedCertificateSize?: number;
  /**
   * Ask the server to staple an OCSP response (status_request, RFC 6066 §8; RFC 8446 §4.4.2.1);
   * it goes to the verifier (`ServerCertificateInput.ocspResponse`) and to
   * `negotiated.ocspResponse`. Default false, as node:tls (`requestOCSP`): the standard
   * verifier does not check OCSP, so asking would only cost bytes.
   */
  requestOcsp?: boolean;
  /**
   * Where TLS 1.3 tickets are kept and taken from (RFC 8446 §2.2); null or absent: no
   * resumption. `createClientSessionStore()` is a bounded in-memory LRU; each ticket is offered
   * once (RFC 8446 C.4). May be shared between configs.
   */
  sessionStore?: ClientSessionStore | null;
  /**
   * Send 0-RTT data (RFC 8446 §2.3, §4.2.10) when resuming with a ticket that allows it:
   * `writePlaintext` before the handshake completes goes out as early data, up to the ticket's
   * max_early_data_size. Early data can be replayed: use it only for idempotent requests.
   * Default false.
   */
  earlyData?: boolean;
}

export interface ClientConfig extends CommonConfig {
  readonly side: 'client';
  readonly verifier: ServerCertVerifier;
  readonly enableSni: boolean;
  readonly grease: boolean;
  readonly clientCertificate: CertifiedKey | null;
  readonly resolveClientCertificate: ClientCertificateResolver | null;
  readonly middleboxCompat: boolean;
  readonly tls12SessionTickets: boolean;
  /** Our RFC 8879 algorithms in preference order; empty: off. */
  readonly certificateCompression: readonly CertificateCompressor[];
  readonly maxDecompressedCertificateSize: number;
  readonly requestOcsp: boolean;
  readonly sessionStore: ClientSessionStore | null;
  readonly earlyData: boolean;
}

/**
 * Validates client options.
 * @throws TlsUsageError ERR_TLS_CONFIG naming the bad option.
 * @example
 * const config = createClientConfig({ provider: nodeCryptoProvider, verifier: createServerVerifier({ roots, signatures: nodeCryptoProvider.signatures }) });
 */
export function createClientConfig(o: ClientConfigOptions): ClientConfig {
  const common = validateCommon(o, 'client');
  const v = o.verifier;
  if (!v || typeof v.verifyServerCertificate !== 'function' || typeof v.verifyTls13Signature !== 'function') {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'client config: "verifier" must be a ServerCertVerifier (e.g. createServerVerifier from typetls/webpki)');
  }
  const cc = o.clientCertificate ?? null;
  if (cc !== null && (!Array.isArray(cc.chain) || cc.chain.length === 0 || !cc.key)) {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'client config: "clientCertificate" needs a non-empty chain and a key');
  }
  const resolveClientCertificate = o.resolveClientCertificate ?? null;
  if (resolveClientCertificate !== null && typeof resolveClientCertificate !== 'function') {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'client config: "resolveClientCertificate" must be a function');
  }
  const sessionStore = o.sessionStore ?? null;
  if (sessionStore !== null && (typeof sessionStore.put !== 'function' || typeof sessionStore.take !== 'function')) {
    throw new TlsUsageError('ERR_TLS_CONFIG', 'client config: "sessionStore" must have put() and take() (e.g. createClientSessionStore())');
  }
  const compression = validateCompression(common.provider, o.certificateCompression, o.maxDecompressedCertificateSize, 'client');
  return {
    ...common,
    ...compression,
    requestOcsp: o.requestOcsp ?? false,
    side: 'client',
    verifier: v,
    enableSni: o.enableSni ?? true,
    grease: o.grease ?? true,
    clientCertificate: cc,
    resolveClientCertificate,
    middleboxCompat: o.middleboxCompat ?? true,
    tls12SessionTickets: o.tls12SessionTickets ?? false,
    sessionStore,
    earlyData: o.earlyData ?? false,
  };
}
